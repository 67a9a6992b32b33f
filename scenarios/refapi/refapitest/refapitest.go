// Package refapitest runs the reference services in-process against a real
// Postgres for tests: the same routes and migrations as the binaries, behind
// httptest servers.
package refapitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/vigilhq/vigil/faults/pgtest"
	"github.com/vigilhq/vigil/scenarios/refapi"
)

// Pool opens a pool on dsn and applies app's migrations; t.Cleanup closes it.
func Pool(t testing.TB, dsn string, app refapi.App) *pgxpool.Pool {
	t.Helper()
	pool, err := refapi.Open(t.Context(), dsn, app.Name, app.Migrations, 30*time.Second, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("refapi.Open(%s) = %v", app.Name, err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// Serve builds app's Service on pool and serves it (with GET /health) on an
// httptest server closed by t.Cleanup. A Service that is a refapi.Runner is
// not run: the caller owns that.
func Serve(t testing.TB, pool *pgxpool.Pool, app refapi.App) (*httptest.Server, refapi.Service) {
	t.Helper()
	svc, err := app.Build(pool, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("%s: Build = %v", app.Name, err)
	}
	ts := httptest.NewServer(refapi.Mux(pool, svc))
	t.Cleanup(ts.Close)
	return ts, svc
}

// Post sends body (a []byte or a value marshalled to JSON) to url with an
// Idempotency-Key (omitted when key is "") and returns the status and
// response body. It fails t on transport errors; use Do off the test goroutine.
func Post(t testing.TB, c *http.Client, url, key string, body any) (int, []byte) {
	t.Helper()
	code, b, err := Do(c, url, key, body)
	if err != nil {
		t.Fatal(err)
	}
	return code, b
}

// Do is Post returning transport errors; safe from any goroutine.
func Do(c *http.Client, url, key string, body any) (int, []byte, error) {
	raw, ok := body.([]byte)
	if !ok {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			return 0, nil, err
		}
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(raw))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set(refapi.IdempotencyHeader, key)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("POST %s: %w", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, fmt.Errorf("POST %s: read body: %w", url, err)
	}
	return resp.StatusCode, b, nil
}

// GetJSON fetches url, requires status want and decodes the body into v.
func GetJSON(t testing.TB, url string, want int, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("GET %s = %d %s, want %d", url, resp.StatusCode, b, want)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("GET %s: decode %s: %v", url, b, err)
		}
	}
}

// Start serves app in-process on a Postgres of its own (pgtest.Require) and
// returns the server and a pool on that Postgres; t.Cleanup stops all three.
func Start(t testing.TB, app refapi.App) (*httptest.Server, *pgxpool.Pool) {
	t.Helper()
	pg := pgtest.Require(t)
	pool := Pool(t, pg.DSN, app)
	ts, _ := Serve(t, pool, app)
	return ts, pool
}

// CreateCase is one POST to an idempotent create endpoint: the
// Idempotency-Key (none when ""), the body (as for Post), and the status and
// a substring of the response body it wants.
type CreateCase struct {
	Name     string
	Key      string
	Body     any
	WantCode int
	WantMsg  string
}

// CheckCreates posts the cases to url in order, each as a subtest of t.
func CheckCreates(t *testing.T, c *http.Client, url string, cases []CreateCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			code, b := Post(t, c, url, tc.Key, tc.Body)
			if code != tc.WantCode || !strings.Contains(string(b), tc.WantMsg) {
				t.Errorf("POST %s key %q = %d %s, want %d containing %q", url, tc.Key, code, b, tc.WantCode, tc.WantMsg)
			}
		})
	}
}

// CreateConcurrently sends n concurrent POSTs of body with one key to url and
// requires the idempotent create's guarantee: one 201, n-1 200, all with one
// id, which it returns.
func CreateConcurrently(t testing.TB, c *http.Client, url, key string, body any, n int) int64 {
	t.Helper()
	type result struct {
		code int
		body []byte
		err  error
	}
	results := make(chan result, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			code, b, err := Do(c, url, key, body)
			results <- result{code, b, err}
		})
	}
	wg.Wait()
	close(results)
	codes := map[int]int{}
	ids := map[int64]int{}
	var id int64
	for r := range results {
		if r.err != nil {
			t.Fatal(r.err)
		}
		codes[r.code]++
		if r.code != http.StatusCreated && r.code != http.StatusOK {
			t.Errorf("POST %s = %d %s, want 201 or 200", url, r.code, r.body)
			continue
		}
		var row struct {
			ID int64 `json:"id"`
		}
		if err := json.Unmarshal(r.body, &row); err != nil {
			t.Fatalf("POST %s: decode %s: %v", url, r.body, err)
		}
		ids[row.ID]++
		id = row.ID
	}
	if codes[http.StatusCreated] != 1 || codes[http.StatusOK] != n-1 {
		t.Errorf("status counts = %v, want one 201 and %d 200", codes, n-1)
	}
	if len(ids) != 1 {
		t.Errorf("distinct ids = %v, want exactly one", ids)
	}
	return id
}
