package watchdog

import (
	"testing"
	"time"
)

// TestOrphanReaperScansAtMostOncePerInterval: a SIGCHLD after a quiet
// spell scans at once; SIGCHLDs within the interval of a scan (exec checks
// exit every second) defer one scan to its end instead of scanning the
// watchdog's children on each.
func TestOrphanReaperScansAtMostOncePerInterval(t *testing.T) {
	const every = 300 * time.Millisecond
	scans := 0
	r := newOrphanReaper(func() map[int]bool { scans++; return nil }, every)
	defer r.stop()
	if scans != 1 {
		t.Fatalf("%d scans at start, want 1 (zombies from before)", scans)
	}
	r.childExited()
	if scans != 2 || r.due != nil {
		t.Fatalf("the first SIGCHLD: %d scans, deferred %v; want 2 at once", scans, r.due != nil)
	}
	start := time.Now()
	for range 5 {
		r.childExited()
	}
	if scans != 2 || r.due == nil {
		t.Fatalf("after 5 more SIGCHLDs at once: %d scans, deferred %v; want still 2 and a deferred scan", scans, r.due != nil)
	}
	select {
	case <-r.due:
		r.scan()
	case <-time.After(10 * every):
		t.Fatalf("the deferred scan did not come within %s", 10*every)
	}
	if waited := time.Since(start); scans != 3 || waited < every/2 {
		t.Fatalf("%d scans after %s, want 3 after about %s", scans, waited, every)
	}
	r.last = time.Now().Add(-every) // a quiet spell later
	r.childExited()
	if scans != 4 || r.due != nil {
		t.Fatalf("a SIGCHLD after a quiet spell: %d scans, deferred %v; want 4 at once", scans, r.due != nil)
	}
}
