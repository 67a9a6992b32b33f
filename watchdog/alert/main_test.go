package alert

import (
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/vigilhq/vigil/watchdog"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeClock is the injected clock: tests move time, nothing sleeps.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func healthEv(svc string, h watchdog.Health) watchdog.Event {
	return watchdog.Event{Kind: watchdog.EventHealth, Service: svc, Health: h, Severity: watchdog.SeverityCritical, Reason: "check http-0: connection refused"}
}

func stateEv(svc string, to watchdog.State) watchdog.Event {
	return watchdog.Event{Kind: watchdog.EventStateChange, Service: svc, To: to, Severity: watchdog.SeverityInfo}
}

func kindEv(kind watchdog.EventKind, svc string) watchdog.Event {
	return watchdog.Event{Kind: kind, Service: svc, Reason: string(kind) + " happened"}
}
