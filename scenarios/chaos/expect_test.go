package chaos

import (
	"testing"
	"time"

	"github.com/vigilhq/vigil/watchdog"
)

// sample builds a status sample at t0+ms with one service.
func sample(ms int, pid int, h watchdog.Health, holders ...watchdog.PortHolder) Sample {
	return Sample{Time: t0.Add(time.Duration(ms) * time.Millisecond), St: watchdog.Status{
		StartedAt: time.Unix(1, 0),
		Services:  []watchdog.ServiceStatus{{Name: "pgapi", PID: pid, Health: h, Holders: holders}},
	}}
}

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestObserved(t *testing.T) {
	down := Sample{Time: t0.Add(1500 * time.Millisecond), Err: "connection refused"}
	tests := []struct {
		name         string
		samples      []Sample
		events       []watchdog.Event
		restarted    bool
		healthyAfter time.Duration // -1: zero time
		healths      []string
		holderOK     bool
	}{
		{
			name:         "steady",
			samples:      []Sample{sample(0, 10, "healthy"), sample(1000, 10, "healthy")},
			healthyAfter: -1,
			healths:      []string{"healthy"},
		},
		{
			name:         "killed and restarted",
			samples:      []Sample{sample(0, 10, "healthy"), sample(1000, 0, "unhealthy"), sample(2000, 11, "healthy")},
			restarted:    true,
			healthyAfter: 2000 * time.Millisecond,
			healths:      []string{"unhealthy", "healthy"},
		},
		{
			name:         "watchdog unreachable, then back with the same pid",
			samples:      []Sample{sample(0, 10, "healthy"), down, sample(3000, 10, "healthy")},
			healthyAfter: 3000 * time.Millisecond,
			healths:      []string{"healthy"},
		},
		{
			name:      "restart seen only in events",
			samples:   []Sample{sample(0, 10, "healthy")},
			events:    []watchdog.Event{{Kind: watchdog.EventStarted, Service: "pgapi", Time: t0.Add(time.Second)}},
			restarted: true, healthyAfter: -1,
		},
		{
			name:     "holder in status",
			samples:  []Sample{sample(0, 10, "healthy"), sample(1000, 0, "unhealthy", watchdog.PortHolder{Port: 5101, PID: 44, Command: "sleep"})},
			holderOK: true, restarted: false, healthyAfter: -1, healths: []string{"unhealthy"},
		},
		{
			name:         "holder without pid does not count",
			samples:      []Sample{sample(0, 10, "healthy")},
			events:       []watchdog.Event{{Kind: watchdog.EventPortConflict, Service: "pgapi", Holder: &watchdog.PortHolder{Port: 5101}, Time: t0.Add(time.Second)}},
			healthyAfter: -1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := observed{samples: tc.samples, events: tc.events, healthy: []string{"pgapi"}}
			if got, why := o.restarted("pgapi"); got != tc.restarted {
				t.Errorf("restarted = %v (%s), want %v", got, why, tc.restarted)
			}
			want := time.Time{}
			if tc.healthyAfter >= 0 {
				want = t0.Add(tc.healthyAfter)
			}
			if got := o.healthyAfter(t0.Add(500 * time.Millisecond)); !got.Equal(want) {
				t.Errorf("healthyAfter(+500ms) = %v, want %v", got, want)
			}
			if got := o.healthsDuring("pgapi", t0.Add(500*time.Millisecond), t0.Add(time.Hour)); !equalSets(got, tc.healths) {
				t.Errorf("healthsDuring = %v, want %v", got, tc.healths)
			}
			if got, why := o.holder("pgapi", 5101); got != tc.holderOK {
				t.Errorf("holder = %v (%s), want %v", got, why, tc.holderOK)
			}
		})
	}
}

func equalSets(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]bool{}
	for _, s := range a {
		m[s] = true
	}
	for _, s := range b {
		if !m[s] {
			return false
		}
	}
	return true
}

// TestFirstReasonNamesTheCheck: a failed "never" expectation says when and
// why the watchdog first reported the forbidden health — the earliest of
// status samples and health events in the window.
func TestFirstReasonNamesTheCheck(t *testing.T) {
	late := sample(3000, 10, "unhealthy")
	late.St.Services[0].Reason = "not running"
	late.St.Services[0].Checks = []watchdog.CheckStatus{
		{Name: "database", Type: "readiness", Error: "timeout", ConsecutiveFailures: 1, Latency: watchdog.Duration(400 * time.Millisecond)},
		{Name: "http", Type: "liveness", Passing: true},
	}
	o := observed{
		samples: []Sample{sample(0, 10, "unhealthy"), late},
		events: []watchdog.Event{
			{Kind: watchdog.EventHealth, Service: "pgapi", Health: "degraded", Reason: "non-critical check solana-rpc failing", Time: t0.Add(1000 * time.Millisecond)},
			{Kind: watchdog.EventHealth, Service: "pgapi", Health: "unhealthy", Reason: "critical check database failing", Time: t0.Add(2500 * time.Millisecond)},
			{Kind: watchdog.EventHealth, Service: "bankapi", Health: "unhealthy", Reason: "other service", Time: t0.Add(2000 * time.Millisecond)},
		},
	}
	from := t0.Add(500 * time.Millisecond)
	if got, want := o.firstReason("pgapi", "unhealthy", from, t0.Add(time.Hour)), "unhealthy at +2s: critical check database failing [readiness database: timeout (1 in a row, 400ms)]"; got != want {
		t.Errorf("firstReason(unhealthy) = %q, want %q", got, want)
	}
	if got := o.firstReason("pgapi", "blocked", from, t0.Add(time.Hour)); got != "" {
		t.Errorf("firstReason(blocked) = %q, want empty: never reported", got)
	}
}
