package watchdog_test

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/vigilhq/vigil/faults/porttest"
	"github.com/vigilhq/vigil/watchdog"
)

// TestReadinessNotYetPassedIsNotHealthy: a readiness check that has not
// passed yet — its first run still under way, or failing fewer than
// `failures` times — does not count as passing. Before, the service read
// healthy from its start until the check's verdict, which sent a healthy
// event (and STATUS=healthy) that nothing had earned, let `depends_on:
// healthy` dependents start early, and then flipped to unhealthy.
func TestReadinessNotYetPassedIsNotHealthy(t *testing.T) {
	t.Run("failing", func(t *testing.T) {
		port := porttest.Free(t)
		h := startHarness(t, fmt.Sprintf(`  api:
    command: %s
    env: {VIGIL_HELPER: sleep}
    health:
      readiness:
        - tcp: {address: "127.0.0.1:%d"}
          interval: 200ms
          timeout: 100ms
          failures: 3
`, helperCmd(t), port))
		var healthy []watchdog.Event
		h.waitEvent("the readiness check's failing verdict", 10*time.Second, func(ev watchdog.Event) bool {
			if ev.Service == "api" && ev.Kind == watchdog.EventHealth && ev.Health == watchdog.HealthHealthy {
				healthy = append(healthy, ev)
			}
			return ev.Service == "api" && ev.Kind == watchdog.EventCheck && strings.Contains(ev.Reason, "readiness failing")
		})
		if len(healthy) > 0 {
			t.Errorf("api read healthy before its only readiness check had passed once: %+v", healthy)
		}
		// The loop judges the verdict after the check event is published.
		h.waitStatus("unhealthy, the check failing", "api", 5*time.Second, func(s watchdog.ServiceStatus) bool {
			return s.Health == watchdog.HealthUnhealthy && s.Reason == "critical check tcp failing"
		})
	})
	t.Run("passing", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				_ = c.Close()
			}
		}()
		h := startHarness(t, fmt.Sprintf(`  api:
    command: %s
    env: {VIGIL_HELPER: sleep}
    health:
      readiness:
        - tcp: {address: %q}
          interval: 200ms
          timeout: 100ms
`, helperCmd(t), l.Addr().String()))
		passed := false
		h.waitEvent("api healthy", 10*time.Second, func(ev watchdog.Event) bool {
			if ev.Service != "api" {
				return false
			}
			if ev.Kind == watchdog.EventCheck && strings.Contains(ev.Reason, "readiness passing") {
				passed = true
			}
			return ev.Kind == watchdog.EventHealth && ev.Health == watchdog.HealthHealthy
		})
		if !passed {
			t.Error("api read healthy before its readiness check's first pass")
		}
	})
}
