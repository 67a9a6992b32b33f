package alert

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigilhq/vigil/watchdog"
)

// step advances the clock by after, then applies ev (or ticks when ev is nil)
// and expects the summarised alerts in want.
type step struct {
	after time.Duration
	ev    *watchdog.Event
	want  []string
}

func ev(e watchdog.Event) *watchdog.Event { return &e }

// summary is "key state[ +N]" with state alert, resolved or reminder.
func summary(a Alert) string {
	s := a.Key + " alert"
	switch {
	case a.Recovered:
		s = a.Key + " resolved"
	case a.Reminder:
		s = a.Key + " reminder"
	}
	if a.Suppressed > 0 {
		s += fmt.Sprintf(" +%d", a.Suppressed)
	}
	return s
}

func TestTracker(t *testing.T) {
	lim := limits{repeat: 30 * time.Minute, window: 10 * time.Minute, burst: 3}
	tests := []struct {
		name  string
		steps []step
	}{
		{"one alert per state change and a recovery", []step{
			{ev: ev(healthEv("api", watchdog.HealthUnhealthy)), want: []string{"api/health alert"}},
			{ev: ev(healthEv("api", watchdog.HealthUnhealthy))},
			{ev: ev(healthEv("api", watchdog.HealthBlocked)), want: []string{"api/health alert"}},
			{after: 5 * time.Minute, ev: ev(healthEv("api", watchdog.HealthHealthy)), want: []string{"api/health resolved"}},
			{ev: ev(healthEv("api", watchdog.HealthHealthy))},
		}},
		{"healthy without a problem is quiet", []step{
			{ev: ev(healthEv("api", watchdog.HealthHealthy))},
			{ev: ev(healthEv("api", watchdog.HealthDegraded))},
			{ev: ev(stateEv("api", watchdog.StateRunning))},
		}},
		{"degraded ends the unhealthy problem", []step{
			{ev: ev(healthEv("api", watchdog.HealthUnhealthy)), want: []string{"api/health alert"}},
			{ev: ev(healthEv("api", watchdog.HealthDegraded)), want: []string{"api/health resolved"}},
		}},
		{"reminders every repeat while the problem lasts", []step{
			{ev: ev(healthEv("db", watchdog.HealthUnhealthy)), want: []string{"db/health alert"}},
			{after: 29 * time.Minute},
			{after: time.Minute, want: []string{"db/health reminder"}},
			{after: time.Minute},
			{after: 29 * time.Minute, want: []string{"db/health reminder"}},
			{ev: ev(healthEv("db", watchdog.HealthHealthy)), want: []string{"db/health resolved"}},
			{after: time.Hour},
		}},
		{"flapping is suppressed and caught up", []step{
			{ev: ev(healthEv("api", watchdog.HealthUnhealthy)), want: []string{"api/health alert"}},
			{ev: ev(healthEv("api", watchdog.HealthHealthy)), want: []string{"api/health resolved"}},
			{ev: ev(healthEv("api", watchdog.HealthUnhealthy)), want: []string{"api/health alert"}},
			{ev: ev(healthEv("api", watchdog.HealthHealthy))},
			{ev: ev(healthEv("api", watchdog.HealthUnhealthy))},
			{ev: ev(healthEv("api", watchdog.HealthHealthy))},
			{after: time.Minute},
			{after: 10 * time.Minute, want: []string{"api/health resolved +3"}},
			{ev: ev(healthEv("api", watchdog.HealthUnhealthy)), want: []string{"api/health alert"}},
		}},
		{"one-shot events alert each time, never remind", []step{
			{ev: ev(kindEv(watchdog.EventMemoryRestart, "api")), want: []string{"api/memory_restart alert"}},
			{ev: ev(kindEv(watchdog.EventMemoryRestart, "api")), want: []string{"api/memory_restart alert"}},
			{ev: ev(kindEv(watchdog.EventOrphans, "api")), want: []string{"api/orphans alert"}},
			{ev: ev(kindEv(watchdog.EventError, "")), want: []string{"error alert"}},
			{after: 2 * time.Hour},
		}},
		{"start limit deduplicated with state failed, cleared by running", []step{
			{ev: ev(stateEv("api", watchdog.StateFailed)), want: []string{"api/start_limit alert"}},
			{ev: ev(kindEv(watchdog.EventStartLimit, "api"))},
			{ev: ev(stateEv("api", watchdog.StateRunning)), want: []string{"api/start_limit resolved"}},
		}},
		{"port conflict cleared by its recovered event", []step{
			{ev: ev(kindEv(watchdog.EventPortConflict, "web")), want: []string{"web/port_conflict alert"}},
			{ev: ev(watchdog.Event{Kind: watchdog.EventPortConflict, Service: "web", Recovered: true}), want: []string{"web/port_conflict resolved"}},
		}},
		{"stopping a service clears all its problems", []step{
			{ev: ev(healthEv("api", watchdog.HealthUnhealthy)), want: []string{"api/health alert"}},
			{ev: ev(kindEv(watchdog.EventPortConflict, "api")), want: []string{"api/port_conflict alert"}},
			{ev: ev(healthEv("db", watchdog.HealthUnhealthy)), want: []string{"db/health alert"}},
			{ev: ev(stateEv("api", watchdog.StateStopped)), want: []string{"api/health resolved", "api/port_conflict resolved"}},
		}},
		{"other kinds do not alert", []step{
			{ev: ev(kindEv(watchdog.EventStarted, "api"))},
			{ev: ev(kindEv(watchdog.EventExited, "api"))},
			{ev: ev(kindEv(watchdog.EventCheck, "api"))},
			{ev: ev(stateEv("api", watchdog.StateBackoff))},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := newFakeClock()
			tr := newTracker("host1", lim)
			for i, s := range tc.steps {
				clock.Advance(s.after)
				var got []Alert
				if s.ev == nil {
					got = tr.tick(clock.Now())
				} else {
					for _, c := range classify(*s.ev) {
						got = append(got, tr.apply(c, clock.Now())...)
					}
				}
				var sums []string
				for _, a := range got {
					sums = append(sums, summary(a))
					if a.Text == "" || !strings.Contains(a.Text, "host1") {
						t.Errorf("step %d: alert %s has text %q, want it to name the host", i, a.Key, a.Text)
					}
				}
				if !slices.Equal(sums, s.want) {
					t.Fatalf("step %d: alerts = %q, want %q", i, sums, s.want)
				}
			}
		})
	}
}

func TestTrackerForgetsQuietKeys(t *testing.T) {
	clock := newFakeClock()
	tr := newTracker("h", limits{repeat: time.Minute, window: time.Minute, burst: 5})
	for _, c := range classify(healthEv("api", watchdog.HealthUnhealthy)) {
		tr.apply(c, clock.Now())
	}
	for _, c := range classify(healthEv("api", watchdog.HealthHealthy)) {
		tr.apply(c, clock.Now())
	}
	clock.Advance(2 * time.Minute)
	tr.tick(clock.Now())
	if n := len(tr.problems); n != 0 {
		t.Fatalf("tracker keeps %d problems after recovery and a quiet window, want 0", n)
	}
}

func TestRenderText(t *testing.T) {
	since := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	code := 137
	tests := []struct {
		name string
		a    Alert
		want string
	}{
		{"unhealthy", Alert{Kind: watchdog.EventHealth, Severity: watchdog.SeverityCritical, Service: "api", Host: "h1",
			Event: watchdog.Event{Health: watchdog.HealthUnhealthy, Check: "http-0", Reason: "timeout"}},
			"[CRITICAL] h1: api is unhealthy (check http-0): timeout"},
		{"resolved", Alert{Kind: watchdog.EventHealth, Recovered: true, Service: "api", Since: since,
			Event: watchdog.Event{Kind: watchdog.EventHealth, Health: watchdog.HealthHealthy}},
			"[RESOLVED] api is healthy again after 1m30s"},
		{"reminder with suppressed", Alert{Kind: watchdog.EventStartLimit, Reminder: true, Service: "db", Since: since, Time: since.Add(time.Hour), Suppressed: 2},
			"[REMINDER] db still failed: start limit reached, restarts paused until cooldown (for 1h0m0s) (2 alerts suppressed: flapping)"},
		{"port holder", Alert{Kind: watchdog.EventPortConflict, Severity: watchdog.SeverityCritical, Service: "web",
			Event: watchdog.Event{Holder: &watchdog.PortHolder{Port: 8080, PID: 4242, Command: "node"}}},
			"[CRITICAL] web cannot start: port 8080 is held by pid 4242 (node)"},
		{"memory", Alert{Kind: watchdog.EventMemoryRestart, Severity: watchdog.SeverityWarning, Service: "w",
			Event: watchdog.Event{ExitCode: &code}},
			"[WARNING] w was restarted: memory above max_memory"},
	}
	for _, tc := range tests {
		lasted := time.Duration(0)
		if tc.a.Recovered {
			lasted = 90 * time.Second
		}
		if got := render(tc.a, lasted); got != tc.want {
			t.Errorf("%s: render = %q, want %q", tc.name, got, tc.want)
		}
	}
}
