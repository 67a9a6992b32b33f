package watchdog_test

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigilhq/vigil/faults/runtest"
	"github.com/vigilhq/vigil/watchdog"
	"github.com/vigilhq/vigil/watchdog/config"
)

// harness runs a Supervisor over a YAML config for one test and records
// every event it emits.
type harness struct {
	t      *testing.T
	dir    string
	sup    *watchdog.Supervisor
	events chan watchdog.Event
	// stop shuts the supervisor down and waits (30 s at most) for Run to
	// return; the test's cleanup calls it too.
	stop func()
}

func parseConfig(t *testing.T, dir, services string) *config.Config {
	t.Helper()
	y := fmt.Sprintf("version: 1\napi:\n  socket: %s/vigil.sock\nlogs:\n  dir: %s/logs\nservices:\n%s", dir, dir, services)
	cfg, err := config.Parse([]byte(y), filepath.Join(dir, "vigil.yaml"))
	if err != nil {
		t.Fatalf("config:\n%s\n%v", y, err)
	}
	return cfg
}

func startHarness(t *testing.T, services string) *harness {
	t.Helper()
	return startHarnessWith(t, services, watchdog.Options{})
}

// startHarnessWith is startHarness with supervisor options (Logger and Seed
// are filled in).
func startHarnessWith(t *testing.T, services string, opts watchdog.Options) *harness {
	t.Helper()
	dir := t.TempDir()
	h := &harness{t: t, dir: dir, events: make(chan watchdog.Event, 10000)}
	opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		opts.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	opts.Seed = 1
	sup, err := watchdog.New(parseConfig(t, dir, services), opts)
	if err != nil {
		t.Fatal(err)
	}
	h.sup = sup
	sup.Events().Subscribe(func(ev watchdog.Event) {
		select {
		case h.events <- ev:
		default:
			t.Error("event buffer full")
		}
	})
	h.stop = runtest.Start(t, sup.Run, 30*time.Second)
	return h
}

// waitEvent returns the first event (from now on) matching pred.
func (h *harness) waitEvent(what string, timeout time.Duration, pred func(watchdog.Event) bool) watchdog.Event {
	h.t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case ev := <-h.events:
			if pred(ev) {
				return ev
			}
		case <-deadline:
			h.t.Fatalf("timed out after %s waiting for %s; status: %s", timeout, what, h.statusLine())
		}
	}
}

func (h *harness) waitStarted(svc string, timeout time.Duration) watchdog.Event {
	h.t.Helper()
	return h.waitEvent(svc+" started", timeout, func(ev watchdog.Event) bool {
		return ev.Service == svc && ev.Kind == watchdog.EventStarted
	})
}

// waitStatus polls Status until pred holds for service svc.
func (h *harness) waitStatus(what, svc string, timeout time.Duration, pred func(watchdog.ServiceStatus) bool) watchdog.ServiceStatus {
	h.t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(timeout)
	for {
		if st, ok := h.service(svc); ok && pred(st) {
			return st
		}
		select {
		case <-tick.C:
		case <-deadline:
			h.t.Fatalf("timed out after %s waiting for %s; status: %s", timeout, what, h.statusLine())
		}
	}
}

func (h *harness) service(name string) (watchdog.ServiceStatus, bool) {
	for _, s := range h.sup.Status().Services {
		if s.Name == name {
			return s, true
		}
	}
	return watchdog.ServiceStatus{}, false
}

func (h *harness) statusLine() string {
	var b strings.Builder
	for _, s := range h.sup.Status().Services {
		fmt.Fprintf(&b, "[%s %s/%s pid=%d restarts=%d reason=%q] ", s.Name, s.State, s.Health, s.PID, s.Restarts, s.Reason)
	}
	return b.String()
}

// waitLog waits until the service's log file contains text.
func (h *harness) waitLog(svc, text string) {
	h.t.Helper()
	path, err := h.sup.LogPath(svc)
	if err != nil {
		h.t.Fatal(err)
	}
	h.waitStatus("log line "+strconv.Quote(text), svc, 10*time.Second, func(watchdog.ServiceStatus) bool {
		b, _ := os.ReadFile(path)
		return strings.Contains(string(b), text)
	})
}
