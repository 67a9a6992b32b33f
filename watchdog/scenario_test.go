package watchdog_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigilhq/vigil/faults/pgtest"
	"github.com/vigilhq/vigil/faults/porttest"
	"github.com/vigilhq/vigil/faults/runtest"
	"github.com/vigilhq/vigil/watchdog"
	"github.com/vigilhq/vigil/watchdog/alert"
	"github.com/vigilhq/vigil/watchdog/api"
)

// TestPostgresOutageBlocksDependents: Postgres stopped for 20 s → the
// service whose liveness needs it goes blocked, is NOT restarted, and is
// healthy again (same pid) once Postgres is back.
func TestPostgresOutageBlocksDependents(t *testing.T) {
	if testing.Short() {
		t.Skip("20 s outage; skipped with -short")
	}
	pg := pgtest.Require(t)
	port := porttest.Free(t)
	h := startHarness(t, fmt.Sprintf(`  app:
    command: %s
    env: {VIGIL_HELPER: pgweb}
    ports: [%d]
    health:
      liveness:
        - http: {url: "http://127.0.0.1:%d/health"}
          interval: 200ms
          timeout: 150ms
          failures: 2
          start_period: 10s # a slow start is no failure; the first pass ends it
      readiness:
        - postgres: {dsn: %q}
          interval: 200ms
          timeout: 150ms
          failures: 2
`, helperCmd(t, strconv.Itoa(port), pg.DSN), port, port, pg.DSN))
	started := h.waitStarted("app", 10*time.Second)
	h.waitStatus("healthy", "app", 15*time.Second, func(s watchdog.ServiceStatus) bool { return s.Health == watchdog.HealthHealthy })

	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	outage := time.Now()
	h.waitStatus("blocked", "app", 10*time.Second, func(s watchdog.ServiceStatus) bool { return s.Health == watchdog.HealthBlocked })
	// Hold the outage for 20 s, checking that nothing restarts.
	tick := time.NewTicker(250 * time.Millisecond)
	for time.Since(outage) < 20*time.Second {
		<-tick.C
		st, _ := h.service("app")
		if st.PID != started.PID || st.Restarts != 0 {
			t.Fatalf("during the Postgres outage: pid %d→%d, restarts %d; want no restart (blocked)", started.PID, st.PID, st.Restarts)
		}
		if st.Health != watchdog.HealthBlocked {
			t.Fatalf("during the outage health = %s (%s), want blocked", st.Health, st.Reason)
		}
	}
	tick.Stop()
	if err := pg.Restart(context.Background()); err != nil {
		t.Fatal(err)
	}
	back := time.Now()
	st := h.waitStatus("healthy again", "app", 15*time.Second, func(s watchdog.ServiceStatus) bool { return s.Health == watchdog.HealthHealthy })
	t.Logf("healthy %v after Postgres came back", time.Since(back).Round(time.Millisecond))
	if st.PID != started.PID || st.Restarts != 0 {
		t.Fatalf("after the outage: pid %d→%d restarts %d, want the same process", started.PID, st.PID, st.Restarts)
	}
}

// fakeSolana answers getHealth with "node is behind" and getSlot with an
// advancing slot, in Solana's wire format.
func fakeSolana(t *testing.T) string {
	var slot atomic.Uint64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		w.Header().Set("Content-Type", "application/json")
		switch req.Method {
		case "getHealth":
			fmt.Fprintf(w, `{"jsonrpc":"2.0","error":{"code":-32005,"message":"Node is behind by 200 slots","data":{"numSlotsBehind":200}},"id":%s}`, req.ID)
		default:
			fmt.Fprintf(w, `{"jsonrpc":"2.0","result":%d,"id":%s}`, slot.Add(1), req.ID)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestSolanaCheckDegradedOrUnhealthy(t *testing.T) {
	rpc := fakeSolana(t)
	for _, tc := range []struct {
		critical bool
		health   watchdog.Health
		code     int
	}{
		{false, watchdog.HealthDegraded, http.StatusOK},
		{true, watchdog.HealthUnhealthy, http.StatusServiceUnavailable},
	} {
		t.Run(fmt.Sprintf("critical=%v", tc.critical), func(t *testing.T) {
			h := startHarness(t, fmt.Sprintf(`  recon:
    command: %s
    env: {VIGIL_HELPER: sleep}
    health:
      readiness:
        - solana: {url: %q}
          interval: 100ms
          timeout: 90ms
          failures: 2
          critical: %v
`, helperCmd(t), rpc, tc.critical))
			srv := api.New(h.sup, api.Options{Listen: "127.0.0.1:0", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			runtest.Start(t, srv.Run, 10*time.Second)
			<-srv.Ready()
			st := h.waitStatus(string(tc.health), "recon", 10*time.Second, func(s watchdog.ServiceStatus) bool {
				return s.Health == tc.health && s.PID != 0 && len(s.Checks) == 1 && s.Checks[0].ConsecutiveFailures >= 2
			})
			if st.State != watchdog.StateRunning || st.Restarts != 0 {
				t.Errorf("state %s restarts %d, want running and never restarted by a readiness check", st.State, st.Restarts)
			}
			resp, err := http.Get("http://" + srv.Addr().String() + "/health")
			if err != nil {
				t.Fatal(err)
			}
			var body watchdog.Status
			_ = json.NewDecoder(resp.Body).Decode(&body)
			resp.Body.Close()
			if resp.StatusCode != tc.code || body.Status != tc.health {
				t.Fatalf("/health = %d %s, want %d %s", resp.StatusCode, body.Status, tc.code, tc.health)
			}
			if len(body.Services) != 1 || len(body.Services[0].Checks) != 1 || body.Services[0].Checks[0].Passing {
				t.Fatalf("/health checks = %+v, want the failing solana check", body.Services[0].Checks)
			}
		})
	}
}

// TestHangingWebhookDoesNotDelayRestart measures crash → restart with an
// alert webhook that never answers and one that answers 500.
func TestHangingWebhookDoesNotDelayRestart(t *testing.T) {
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hang.Close()
	defer close(release)
	fail := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusInternalServerError)
	}))
	defer fail.Close()

	h := startHarness(t, fmt.Sprintf(`  crash:
    command: %s
    env: {VIGIL_HELPER: exit}
    restart: {reset_after: 1ms, limit: {burst: 1000, interval: 1m}}
`, helperCmd(t, "1", "50ms")))
	d, err := alert.New(parseConfig(t, h.dir, fmt.Sprintf(`  x:
    command: ["true"]
alerts:
  - webhook: {url: %q, timeout: 30s}
  - webhook: {url: %q}
`, hang.URL, fail.URL)).Alerts, alert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	stopAlerts := runtest.Start(t, d.Run, 10*time.Second)
	defer stopAlerts() // before the webhook servers close
	h.sup.Events().Subscribe(d.Notify)

	var worst time.Duration
	for i := 0; i < 10; i++ {
		exit := h.waitEvent("exit", 10*time.Second, func(ev watchdog.Event) bool { return ev.Kind == watchdog.EventExited })
		next := h.waitStarted("crash", 10*time.Second)
		if gap := next.Time.Sub(exit.Time); gap > worst {
			worst = gap
		}
	}
	t.Logf("worst exit → restart over 10 crashes with a hanging and a failing webhook: %v", worst)
	if worst > 500*time.Millisecond {
		t.Fatalf("restart took %v with alert webhooks hanging, want it unaffected (immediate)", worst)
	}
}
