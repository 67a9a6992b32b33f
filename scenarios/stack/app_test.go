package stack_test

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/vigilhq/vigil/scenarios/stack"
	"github.com/vigilhq/vigil/scenarios/stack/stacktest"
)

// TestAppSeesPostgresCut starts the application container (vigil/stack) and
// proves the services reach Postgres through Toxiproxy: pgapi's deep /health
// turns 503 while the Postgres proxy is disabled and 200 once it is back.
func TestAppSeesPostgresCut(t *testing.T) {
	s := stacktest.Require(t, stack.Options{StackImage: cmp.Or(os.Getenv(stack.EnvStackImage), "vigil/stack:latest")})
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	wantStatus := func(url string, want int) func(context.Context) error {
		return func(ctx context.Context) error {
			got, err := httpStatus(ctx, url)
			if err == nil && got != want {
				err = fmt.Errorf("GET %s = %d, want %d", url, got, want)
			}
			return err
		}
	}
	began := time.Now()
	for _, url := range []string{s.Endpoints.WatchdogAPI + "/health", s.Endpoints.PgAPI + "/health"} {
		if err := stack.Poll(ctx, url, wantStatus(url, http.StatusOK)); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("watchdog and pgapi healthy %v after Up", time.Since(began).Round(time.Millisecond))

	p, err := s.Toxi.Proxy(stack.ProxyPostgres)
	if err != nil {
		t.Fatalf("Toxi.Proxy(%s) = %v", stack.ProxyPostgres, err)
	}
	if err := p.Disable(); err != nil {
		t.Fatalf("disable %s: %v", stack.ProxyPostgres, err)
	}
	cut := time.Now()
	pg := s.Endpoints.PgAPI + "/health"
	if err := stack.Poll(ctx, pg+" with Postgres cut", wantStatus(pg, http.StatusServiceUnavailable)); err != nil {
		t.Fatal(err)
	}
	t.Logf("pgapi reported Postgres down %v after the cut", time.Since(cut).Round(time.Millisecond))
	if err := p.Enable(); err != nil {
		t.Fatalf("enable %s: %v", stack.ProxyPostgres, err)
	}
	restored := time.Now()
	if err := stack.Poll(ctx, pg+" after restore", wantStatus(pg, http.StatusOK)); err != nil {
		t.Fatal(err)
	}
	t.Logf("pgapi healthy again %v after the restore", time.Since(restored).Round(time.Millisecond))
}

// httpStatus GETs url and returns the status code.
func httpStatus(ctx context.Context, url string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	req.Close = true
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, nil
}
