package refapi_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/vigilhq/vigil/faults/pgtest"
	"github.com/vigilhq/vigil/scenarios/refapi"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    refapi.Config
		wantErr []string
	}{
		{"defaults", map[string]string{"DATABASE_URL": "postgres://x"},
			refapi.Config{Listen: "127.0.0.1:5101", DatabaseURL: "postgres://x", StartTimeout: 30 * time.Second, ShutdownTimeout: 10 * time.Second}, nil},
		{"overrides", map[string]string{"DATABASE_URL": "postgres://x", "PGAPI_LISTEN": ":9", "START_TIMEOUT": "5s", "SHUTDOWN_TIMEOUT": "1s"},
			refapi.Config{Listen: ":9", DatabaseURL: "postgres://x", StartTimeout: 5 * time.Second, ShutdownTimeout: time.Second}, nil},
		{"all problems at once", map[string]string{"START_TIMEOUT": "soon", "SHUTDOWN_TIMEOUT": "-1s"},
			refapi.Config{}, []string{"DATABASE_URL is not set", "START_TIMEOUT", "SHUTDOWN_TIMEOUT"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := refapi.LoadConfig(func(k string) string { return tc.env[k] }, "PGAPI_LISTEN", "127.0.0.1:5101")
			if tc.wantErr == nil {
				if err != nil || got != tc.want {
					t.Errorf("LoadConfig = %+v, %v; want %+v", got, err, tc.want)
				}
				return
			}
			for _, w := range tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("LoadConfig error = %v, want it to mention %q", err, w)
				}
			}
		})
	}
}

func TestEvaluate(t *testing.T) {
	up := func(context.Context) error { return nil }
	down := func(context.Context) error { return errors.New("down") }
	hang := func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
	tests := []struct {
		name     string
		comps    []refapi.Component
		want     string
		wantCode int
	}{
		{"all up", []refapi.Component{{Name: "db", Critical: true, Check: up}, {Name: "rpc", Check: up}}, refapi.StatusHealthy, 200},
		{"non-critical down", []refapi.Component{{Name: "db", Critical: true, Check: up}, {Name: "rpc", Check: down}}, refapi.StatusDegraded, 200},
		{"critical down", []refapi.Component{{Name: "db", Critical: true, Check: down}, {Name: "rpc", Check: up}}, refapi.StatusUnhealthy, 503},
		{"critical hangs past ProbeTimeout", []refapi.Component{{Name: "db", Critical: true, Check: hang}, {Name: "rpc", Check: down}}, refapi.StatusUnhealthy, 503},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			refapi.HealthHandler(tc.comps...).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/health", nil))
			if rec.Code != tc.wantCode || !strings.Contains(rec.Body.String(), `"status":"`+tc.want+`"`) {
				t.Errorf("health = %d %s, want %d %s", rec.Code, rec.Body, tc.wantCode, tc.want)
			}
		})
	}
}

func TestDecodeJSON(t *testing.T) {
	type req struct {
		N *int64 `json:"n"`
		S string `json:"s"`
	}
	tests := []struct{ name, body, wantErr string }{
		{"ok", `{"n": 3, "s": "x"}`, ""},
		{"fraction", `{"n": 3.5}`, `field "n" must be an integer`},
		{"string for int", `{"n": "3"}`, `field "n" must be an integer`},
		{"unknown field", `{"m": 1}`, "unknown field"},
		{"trailing data", `{"n": 1} {}`, "data after the JSON object"},
		{"empty", ``, "body is empty"},
		{"too big", `{"s": "` + strings.Repeat("a", refapi.MaxBodyBytes) + `"}`, "larger than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var v req
			rec := httptest.NewRecorder()
			err := refapi.DecodeJSON(rec, httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tc.body)), &v)
			if (tc.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("DecodeJSON(%.40q) = %v, want %q", tc.body, err, tc.wantErr)
			}
		})
	}
}

func TestListenFallsBackToAddress(t *testing.T) {
	t.Setenv("LISTEN_FDS", "")
	l, err := refapi.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatalf("Listen = %v", err)
	}
	l.Close()
	held, err := refapi.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	if _, err := refapi.Listen(held.Addr().String()); err == nil || !strings.Contains(err.Error(), "_LISTEN") {
		t.Errorf("Listen(busy port) = %v, want an error saying how to fix it", err)
	}
}

var migrations = fstest.MapFS{
	"001_t.sql": {Data: []byte(`CREATE TABLE IF NOT EXISTS t (id INT PRIMARY KEY)`)},
	"002_t.sql": {Data: []byte(`INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING`)},
}

// signalWriter closes ready at the first write containing want.
type signalWriter struct {
	want  string
	once  sync.Once
	ready chan struct{}
}

func (w *signalWriter) Write(p []byte) (int, error) {
	if strings.Contains(string(p), w.want) {
		w.once.Do(func() { close(w.ready) })
	}
	return len(p), nil
}

// TestOpenWaitsForPostgres pins that a service started while Postgres is
// down keeps retrying and comes up once Postgres does.
func TestOpenWaitsForPostgres(t *testing.T) {
	pg := pgtest.Require(t)
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	w := &signalWriter{want: "postgres not ready", ready: make(chan struct{})}
	type result struct{ err error }
	done := make(chan result, 1)
	go func() {
		pool, err := refapi.Open(context.Background(), pg.DSN, "t", migrations, 30*time.Second, refapi.NewLogger(w))
		if err == nil {
			var n int
			err = pool.QueryRow(context.Background(), `SELECT count(*) FROM t`).Scan(&n)
			if err == nil && n != 1 {
				err = errors.New("migrations did not run")
			}
			pool.Close()
		}
		done <- result{err}
	}()
	select {
	case <-w.ready:
	case <-time.After(30 * time.Second):
		t.Fatal("Open logged no failed attempt while Postgres was down")
	}
	if err := pg.Restart(t.Context()); err != nil {
		t.Fatal(err)
	}
	if r := <-done; r.err != nil {
		t.Fatalf("Open after Postgres came back = %v, want nil", r.err)
	}
}

func TestOpenGivesUp(t *testing.T) {
	pg := pgtest.Require(t)
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	_, err := refapi.Open(t.Context(), pg.DSN, "t", migrations, 500*time.Millisecond, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "START_TIMEOUT") {
		t.Errorf("Open with Postgres down = %v, want a bounded failure naming START_TIMEOUT", err)
	}
}

// TestMigrateConcurrently pins the advisory lock: parallel starts of one
// service apply the same idempotent migrations without errors.
func TestMigrateConcurrently(t *testing.T) {
	pg := pgtest.Require(t)
	pool, err := refapi.Open(t.Context(), pg.DSN, "t", migrations, 30*time.Second, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { errs <- refapi.Migrate(t.Context(), pool, "t", migrations) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Migrate = %v", err)
		}
	}
}
