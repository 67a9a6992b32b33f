package chaos

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vigilhq/vigil/slo"
	"github.com/vigilhq/vigil/watchdog"
)

// instantWindow is how long after an instantaneous fault (a kill) the
// health it caused is attributed to it.
const instantWindow = 5 * time.Second

// observed is the watchdog's view of one run: status samples and events.
type observed struct {
	samples []Sample
	events  []watchdog.Event
	healthy []string // services the steady state needs healthy
}

// baseline is the first sample the watchdog answered.
func (o observed) baseline() (Sample, bool) {
	for _, s := range o.samples {
		if s.Err == "" {
			return s, true
		}
	}
	return Sample{}, false
}

// healthyAfter is the first time at or after t when the watchdog reported
// every steady-state service healthy, after having reported (or been
// unreachable for) anything else since t; zero if it never wavered.
func (o observed) healthyAfter(t time.Time) time.Time {
	wavered := false
	for _, s := range o.samples {
		if s.Time.Before(t) {
			continue
		}
		ok := s.Err == "" && len(unhealthy(s.St, o.healthy)) == 0
		if !ok {
			wavered = true
		} else if wavered {
			return s.Time
		}
	}
	return time.Time{}
}

// restarted reports whether svc got a new process during the run: its pid,
// start time or restart count changed from the baseline sample.
func (o observed) restarted(svc string) (bool, string) {
	base, ok := o.baseline()
	if !ok {
		return false, "the watchdog never answered"
	}
	b, ok := base.service(svc)
	if !ok {
		return false, fmt.Sprintf("the watchdog supervises no %q", svc)
	}
	for _, s := range o.samples {
		cur, ok := s.service(svc)
		if !ok || s.Err != "" {
			continue
		}
		switch {
		case cur.PID != 0 && cur.PID != b.PID:
			return true, fmt.Sprintf("pid %d → %d at %s", b.PID, cur.PID, s.Time.Format("15:04:05.000"))
		case cur.Restarts > b.Restarts:
			return true, fmt.Sprintf("restarts %d → %d at %s", b.Restarts, cur.Restarts, s.Time.Format("15:04:05.000"))
		case cur.StartedAt != nil && b.StartedAt != nil && !cur.StartedAt.Equal(*b.StartedAt):
			return true, fmt.Sprintf("started again at %s", cur.StartedAt.Format("15:04:05.000"))
		}
	}
	for _, ev := range o.events {
		if ev.Service == svc && (ev.Kind == watchdog.EventStarted || ev.Kind == watchdog.EventRestart) {
			return true, fmt.Sprintf("%s event at %s", ev.Kind, ev.Time.Format("15:04:05.000"))
		}
	}
	return false, fmt.Sprintf("kept pid %d", b.PID)
}

// healthsDuring returns every health the watchdog reported for svc in
// [from, to], from status samples and health events.
func (o observed) healthsDuring(svc string, from, to time.Time) []string {
	var out []string
	add := func(h watchdog.Health) {
		if h != "" && !slices.Contains(out, string(h)) {
			out = append(out, string(h))
		}
	}
	for _, s := range o.samples {
		if s.Time.Before(from) || s.Time.After(to) {
			continue
		}
		if ss, ok := s.service(svc); ok {
			add(ss.Health)
		}
	}
	for _, ev := range o.events {
		if ev.Service == svc && ev.Kind == watchdog.EventHealth && !ev.Time.Before(from) && !ev.Time.After(to) {
			add(ev.Health)
		}
	}
	return out
}

// firstReason returns when, relative to from, and why the watchdog first
// reported svc at health h in [from, to]: what a failed "never"
// expectation needs to say to be acted on ("" when it has no reason).
func (o observed) firstReason(svc string, h watchdog.Health, from, to time.Time) string {
	var at time.Time
	why := ""
	consider := func(t time.Time, reason string) {
		if t.Before(from) || t.After(to) || (!at.IsZero() && !t.Before(at)) {
			return
		}
		at, why = t, reason
	}
	failing := "" // the failing checks of the first sample at h
	for _, s := range o.samples {
		ss, ok := s.service(svc)
		if !ok || ss.Health != h || s.Time.Before(from) || s.Time.After(to) {
			continue
		}
		consider(s.Time, ss.Reason)
		if failing == "" {
			failing = failingChecks(ss.Checks)
		}
	}
	for _, ev := range o.events {
		if ev.Service == svc && ev.Kind == watchdog.EventHealth && ev.Health == h {
			consider(ev.Time, ev.Reason)
		}
	}
	if at.IsZero() {
		return ""
	}
	if why == "" {
		why = "no reason given"
	}
	if failing != "" {
		why += " [" + failing + "]"
	}
	return fmt.Sprintf("%s at +%s: %s", h, at.Sub(from).Round(time.Millisecond), why)
}

// failingChecks lists the failing checks with their last error.
func failingChecks(checks []watchdog.CheckStatus) string {
	var out []string
	for _, c := range checks {
		if !c.Passing {
			out = append(out, fmt.Sprintf("%s %s: %s (%d in a row, %s)", c.Type, c.Name, c.Error, c.ConsecutiveFailures, time.Duration(c.Latency)))
		}
	}
	return strings.Join(out, ", ")
}

// holder reports whether the watchdog named a holder of port for svc.
func (o observed) holder(svc string, port int) (bool, string) {
	for _, ev := range o.events {
		if ev.Service == svc && ev.Kind == watchdog.EventPortConflict && ev.Holder != nil && ev.Holder.Port == port && ev.Holder.PID > 0 {
			return true, fmt.Sprintf("event: port %d held by pid %d (%s)", port, ev.Holder.PID, ev.Holder.Command)
		}
	}
	for _, s := range o.samples {
		ss, _ := s.service(svc)
		for _, h := range ss.Holders {
			if h.Port == port && h.PID > 0 {
				return true, fmt.Sprintf("status: port %d held by pid %d (%s)", port, h.PID, h.Command)
			}
		}
	}
	return false, fmt.Sprintf("no holder of port %d reported with its pid", port)
}

// count counts events of kind for svc ("" any service).
func (o observed) count(svc, kind string) int {
	n := 0
	for _, ev := range o.events {
		if string(ev.Kind) == kind && (svc == "" || ev.Service == svc) && !ev.Recovered {
			n++
		}
	}
	return n
}

// expectations checks s.Expect against what was observed, journals each
// and returns the ones that failed.
func (r *Runner) expectations(s *Scenario, o observed, windows []slo.Window) []string {
	var devs []string
	check := func(ok bool, format string, args ...any) {
		n := r.Journal.Check(NoteExpect, s.Name, ok, format, args...)
		if !ok {
			devs = append(devs, "expectation failed: "+n.Msg)
		}
	}
	for _, svc := range s.Expect.Restarted {
		ok, why := o.restarted(svc)
		check(ok, "%s restarted: %s", svc, why)
	}
	for _, svc := range s.Expect.NotRestarted {
		restarted, why := o.restarted(svc)
		check(!restarted, "%s not restarted: %s", svc, why)
	}
	for _, h := range s.Expect.Health {
		i := slices.IndexFunc(windows, func(w slo.Window) bool { return w.Name == h.During })
		if i < 0 {
			check(false, "%s health during %s: the fault was never injected", h.Service, h.During)
			continue
		}
		w := windows[i]
		to := w.Reverted
		if to.IsZero() || to.Sub(w.Injected) < instantWindow {
			to = w.Injected.Add(instantWindow)
		}
		seen := o.healthsDuring(h.Service, w.Injected, to)
		if len(h.Is) > 0 {
			ok := slices.ContainsFunc(h.Is, func(v string) bool { return slices.Contains(seen, v) })
			check(ok, "%s during %s is one of [%s]: saw [%s]", h.Service, h.During, strings.Join(h.Is, " "), strings.Join(seen, " "))
		}
		if len(h.Never) > 0 {
			var why []string
			for _, v := range h.Never {
				if slices.Contains(seen, v) {
					why = append(why, o.firstReason(h.Service, watchdog.Health(v), w.Injected, to))
				}
			}
			msg := fmt.Sprintf("%s during %s never [%s]: saw [%s]", h.Service, h.During, strings.Join(h.Never, " "), strings.Join(seen, " "))
			if len(why) > 0 {
				msg += " (" + strings.Join(why, "; ") + ")"
			}
			check(len(why) == 0, "%s", msg)
		}
	}
	for _, h := range s.Expect.PortHolder {
		ok, why := o.holder(h.Service, h.Port)
		check(ok, "%s port %d holder reported: %s", h.Service, h.Port, why)
	}
	for _, e := range s.Expect.Events {
		n := o.count(e.Service, e.Kind)
		ok := n >= e.Min && (e.Max == nil || n <= *e.Max)
		bound := fmt.Sprintf(">= %d", e.Min)
		if e.Max != nil {
			bound = fmt.Sprintf("in [%d, %d]", e.Min, *e.Max)
		}
		check(ok, "%s %s events %s: got %d", cmpService(e.Service), e.Kind, bound, n)
	}
	return devs
}

func cmpService(s string) string {
	if s == "" {
		return "any service"
	}
	return s
}
