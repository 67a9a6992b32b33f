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
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
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
