package api_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/vigilhq/vigil/faults/runtest"
	"github.com/vigilhq/vigil/watchdog"
	"github.com/vigilhq/vigil/watchdog/api"
	"github.com/vigilhq/vigil/watchdog/api/apitest"
	"github.com/vigilhq/vigil/watchdog/config"
	"github.com/vigilhq/vigil/watchdog/metrics"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type env struct {
	sup    *watchdog.Supervisor
	srv    *api.Server
	socket string
	base   string
}

// start runs a supervisor with one service (a shell loop printing lines)
// and the API on a free port and a socket in a temp dir.
func start(t *testing.T, token string) *env {
	t.Helper()
	dir := t.TempDir()
	y := fmt.Sprintf(`version: 1
api:
  listen: 127.0.0.1:0
  socket: %s/run/vigil.sock
logs:
  dir: %s/logs
services:
  echo:
    command: ["while true; do echo line-$$; sleep 0.05; done"]
    shell: true
    stop: {timeout: 2s}
`, dir, dir)
	cfg, err := config.Parse([]byte(y), filepath.Join(dir, "vigil.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	sup, err := watchdog.New(cfg, watchdog.Options{Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	reg := metrics.NewRegistry()
	reg.MustRegister(api.NewCollector(sup.Status))
	srv := api.New(sup, api.Options{Listen: cfg.API.Listen, Socket: cfg.API.Socket, Token: token, Gatherer: reg, Logger: logger,
		Reload: func(context.Context) error { return fmt.Errorf("test: reload refused") }})
	runtest.Start(t, sup.Run, 30*time.Second)
	apitest.Run(t, srv) // stopped first: cleanups run last first
	e := &env{sup: sup, srv: srv, socket: cfg.API.Socket, base: "http://" + srv.Addr().String()}
	e.waitRunning(t)
	return e
}

func (e *env) waitRunning(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if st := e.sup.Status(); len(st.Services) == 1 && st.Services[0].State == watchdog.StateRunning {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("service not running")
}

func TestSocketIsOwnerOnly(t *testing.T) {
	e := start(t, "")
	fi, err := os.Stat(e.socket)
	if err != nil {
		t.Fatal(err)
	}
	if mode := fi.Mode().Perm(); mode != 0o600 {
		t.Fatalf("socket mode = %o, want 600", mode)
	}
}

func TestTCPControlNeedsToken(t *testing.T) {
	for _, tc := range []struct {
		name, token, send string
		want              int
	}{
		{"no token configured", "", "", http.StatusForbidden},
		{"no token configured, one sent", "", "guess", http.StatusForbidden},
		{"token configured, none sent", "s3cret-token", "", http.StatusForbidden},
		{"wrong token", "s3cret-token", "wrong", http.StatusForbidden},
		{"right token", "s3cret-token", "s3cret-token", http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := start(t, tc.token)
			req, _ := http.NewRequest(http.MethodPost, e.base+"/v1/services/echo/restart", nil)
			if tc.send != "" {
				req.Header.Set("Authorization", "Bearer "+tc.send)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Fatalf("POST restart over TCP = %d %s, want %d", resp.StatusCode, body, tc.want)
			}
			for _, path := range []string{"/health", "/metrics", "/v1/services", "/v1/services/echo", "/v1/events"} {
				r, err := http.Get(e.base + path)
				if err != nil {
					t.Fatal(err)
				}
				r.Body.Close()
				if r.StatusCode != http.StatusOK {
					t.Errorf("GET %s = %d, want 200 (read-only needs no token)", path, r.StatusCode)
				}
			}
			lr, _ := http.Get(e.base + "/v1/services/echo/logs")
			lr.Body.Close()
			if tc.want == http.StatusForbidden && lr.StatusCode != http.StatusForbidden {
				t.Errorf("GET logs over TCP without token = %d, want 403 (logs may hold secrets)", lr.StatusCode)
			}
		})
	}
}

func TestSocketControlAndHealth(t *testing.T) {
	e := start(t, "")
	c := api.NewSocketClient(e.socket)
	defer c.Close()
	ctx := context.Background()
	st, err := c.Status(ctx)
	if err != nil || st.Status != watchdog.HealthHealthy {
		t.Fatalf("Status() = %v, %v; want healthy", st.Status, err)
	}
	if _, err := c.Control(ctx, "stop", "echo"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(e.base + "/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("/health with the critical service stopped = %d, want 503", resp.StatusCode)
	}
	svc, err := c.Control(ctx, "start", "echo")
	if err != nil || svc.PID == 0 {
		t.Fatalf("start = %+v, %v", svc, err)
	}
	if _, err := c.Control(ctx, "restart", "nope"); err == nil || !strings.Contains(err.Error(), "configured services are [echo]") {
		t.Fatalf("restart of unknown service: err = %v, want the list of services", err)
	}
	if err := c.Reload(ctx); err == nil || !strings.Contains(err.Error(), "old configuration keeps running") {
		t.Fatalf("refused reload: err = %v", err)
	}
	var buf bytes.Buffer
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(buf.String(), "line-") && time.Now().Before(deadline) {
		buf.Reset()
		if err := c.Logs(ctx, "echo", 5, false, &buf); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := strings.Count(buf.String(), "\n"); n == 0 || n > 5 {
		t.Fatalf("logs -n 5 returned %d lines: %q", n, buf.String())
	}
	fctx, cancel := context.WithTimeout(ctx, 700*time.Millisecond)
	defer cancel()
	buf.Reset()
	_ = c.Logs(fctx, "echo", 1, true, &buf)
	if n := strings.Count(buf.String(), "line-"); n < 3 {
		t.Fatalf("logs -f for 700ms streamed %d lines, want new lines as they are written", n)
	}
}

func TestMetrics(t *testing.T) {
	e := start(t, "")
	resp, err := http.Get(e.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`vigil_service_up{service="echo"} 1`,
		`vigil_service_state{service="echo",state="running"} 1`,
		`vigil_service_restarts_total{service="echo"} 0`,
		`vigil_health{health="healthy"} 1`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
