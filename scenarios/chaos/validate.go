package chaos

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/vigilhq/vigil/slo"
	"github.com/vigilhq/vigil/watchdog"
)

// Defaults and bounds of the format (docs/scenarios.md).
const (
	DefaultSteadyWithin = 90 * time.Second
	// DefaultTail is how long load and probes go on after the last fault
	// ends when load.duration is not given.
	DefaultTail = 10 * time.Second
	// MaxDuration bounds a scenario's method so a suite fits its budget.
	MaxDuration = 10 * time.Minute
	// MaxRate bounds payments_per_second.
	MaxRate = 500
	// MaxRepeats bounds how often one fault may repeat (every).
	MaxRepeats = 100
	// MaxRetries bounds load.retries.
	MaxRetries = 10
	// MinEvery is the shortest repeat interval.
	MinEvery = 500 * time.Millisecond
)

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// defaults fills in every zero field that has a default.
func (s *Scenario) defaults() {
	if s.Target == "" {
		s.Target = TargetStack
	}
	if s.SteadyState.Within == 0 {
		s.SteadyState.Within = DefaultSteadyWithin
	}
	def := slo.DefaultObjectives()
	if s.Objectives.RecoveryMax == 0 {
		s.Objectives.RecoveryMax = def.RecoveryMax
	}
	if s.Objectives.Availability == 0 {
		s.Objectives.Availability = def.Availability
	}
	if s.FaultsPer30Days == 0 {
		s.FaultsPer30Days = slo.DefaultFaultsPer30Days
	}
	if s.RecoveryStreak == 0 {
		s.RecoveryStreak = slo.DefaultRecoveryStreak
	}
	var end time.Duration
	for i := range s.Faults {
		f := &s.Faults[i]
		if f.Name == "" {
			f.Name = strings.Trim(strings.Join([]string{f.Kind, f.Action, f.Target}, "-"), "-")
		}
		end = max(end, f.End())
	}
	if s.Load.Duration == 0 {
		s.Load.Duration = end + DefaultTail
	}
}

// validate reports every problem with s into p.
func (s *Scenario) validate(p *problems) {
	if !nameRE.MatchString(s.Name) {
		p.add("name", "name %q must be 1-63 lower-case letters, digits and dashes (it names the report section)", s.Name)
	}
	if s.Seed == 0 {
		p.add("seed", "seed is required and must be non-zero: it is printed in the report so a run can be replayed")
	}
	if s.Target != TargetStack && s.Target != TargetLocal {
		p.add("target", "target %q is not %q or %q", s.Target, TargetStack, TargetLocal)
	}
	s.Load.validate(p)
	for i, pr := range s.Probes {
		pr.validate(p, fmt.Sprintf("probes[%d]", i))
	}
	if s.SteadyState.Within < 0 || s.SteadyState.Within > MaxDuration {
		p.add("steady_state.within", "within %v must be between 0 and %v", s.SteadyState.Within, MaxDuration)
	}
	names := map[string]bool{}
	for i, f := range s.Faults {
		path := fmt.Sprintf("faults[%d]", i)
		f.validate(p, path)
		if names[f.Name] {
			p.add(path+".name", "fault name %q is used twice: name each fault of a scenario differently", f.Name)
		}
		names[f.Name] = true
		if f.End() > s.Load.Duration {
			p.add(path, "fault %q ends at %v, after load.duration %v: lengthen load.duration", f.Name, f.End(), s.Load.Duration)
		}
	}
	if err := s.Objectives.Validate(); err != nil {
		p.add("objectives", "%v", err)
	}
	if s.FaultsPer30Days < 0 {
		p.add("faults_per_30d", "faults_per_30d %v must be positive", s.FaultsPer30Days)
	}
	if s.RecoveryStreak < 1 || s.RecoveryStreak > 50 {
		p.add("recovery_streak", "recovery_streak %d must be between 1 and 50", s.RecoveryStreak)
	}
	s.Expect.validate(p, names)
}

func (l Load) validate(p *problems) {
	if l.PaymentsPerSecond < 0 || l.PaymentsPerSecond > MaxRate {
		p.add("load.payments_per_second", "payments_per_second %v must be between 0 and %d", l.PaymentsPerSecond, MaxRate)
	}
	if l.Duration <= 0 || l.Duration > MaxDuration {
		p.add("load.duration", "duration %v must be between 0 and %v", l.Duration, MaxDuration)
	}
	if l.MaxInFlight < 0 || l.MaxInFlight > 256 {
		p.add("load.max_in_flight", "max_in_flight %d must be between 0 and 256", l.MaxInFlight)
	}
	if l.OpTimeout < 0 || l.OpTimeout > time.Minute {
		p.add("load.op_timeout", "op_timeout %v must be between 0 and 1m", l.OpTimeout)
	}
	if l.Retries < 0 || l.Retries > MaxRetries {
		p.add("load.retries", "retries %d must be between 0 and %d", l.Retries, MaxRetries)
	}
}

func (pr Probe) validate(p *problems, path string) {
	if pr.Service == "" {
		p.add(path+".service", "service is required: the supervised service whose endpoint to probe")
	}
	if !strings.HasPrefix(pr.Path, "/") {
		p.add(path+".path", "path %q must start with /", pr.Path)
	}
	for _, c := range pr.Expect {
		if c < 100 || c > 599 {
			p.add(path+".expect", "status %d is not an HTTP status", c)
		}
	}
}

func (f FaultSpec) validate(p *problems, path string) {
	kinds := faultKinds()
	actions, ok := kinds[f.Kind]
	if !ok {
		p.add(path+".kind", "unknown fault kind %q: use one of %s", f.Kind, strings.Join(slices.Sorted(maps.Keys(kinds)), ", "))
		return
	}
	a, ok := lookupFault(f.Kind, f.Action)
	if !ok {
		p.add(path+".action", "kind %s has no action %q: use one of %s", f.Kind, f.Action, strings.Join(slices.Sorted(slices.Values(actions)), ", "))
		return
	}
	if f.Target == "" && f.Kind != "watchdog" {
		p.add(path+".target", "target is required for %s faults", f.Kind)
	}
	if !nameRE.MatchString(f.Name) {
		p.add(path+".name", "fault name %q must be lower-case letters, digits and dashes", f.Name)
	}
	for _, k := range slices.Sorted(maps.Keys(f.Params)) {
		if _, ok := a.param(k); !ok {
			p.add(path+".params."+k, "%s %s takes no parameter %q (it takes: %s)", f.Kind, f.Action, k, strings.Join(a.paramNames(), ", "))
		}
	}
	if f.At < 0 {
		p.add(path+".at", "at %v must not be negative", f.At)
	}
	if f.RecoveryMax < 0 {
		p.add(path+".recovery_max", "recovery_max %v must not be negative", f.RecoveryMax)
	}
	switch {
	case a.Timed && f.Every > 0:
		p.add(path+".every", "%s %s lasts duration and cannot repeat: remove every", f.Kind, f.Action)
	case a.Timed && f.Duration <= 0:
		p.add(path+".duration", "%s %s needs a positive duration (how long before it is reverted)", f.Kind, f.Action)
	case !a.Timed && f.Every == 0 && f.Duration != 0:
		p.add(path+".duration", "%s %s is instantaneous: remove duration, or add every to repeat it", f.Kind, f.Action)
	case f.Every < 0:
		p.add(path+".every", "every %v must not be negative", f.Every)
	case f.Every > 0 && f.Every < MinEvery:
		p.add(path+".every", "every %v is shorter than %v", f.Every, MinEvery)
	case f.Every > 0 && (f.Duration < f.Every || f.Duration/f.Every > MaxRepeats):
		p.add(path+".duration", "duration %v must cover 1 to %d repetitions of every %v", f.Duration, MaxRepeats, f.Every)
	}
}

// asStrings returns vs as strings.
func asStrings[S ~string](vs []S) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

func (e Expect) validate(p *problems, faults map[string]bool) {
	healthNames, eventKinds := asStrings(watchdog.Healths()), asStrings(watchdog.EventKinds())
	for i, h := range e.Health {
		path := fmt.Sprintf("expect.health[%d]", i)
		if h.Service == "" {
			p.add(path+".service", "service is required")
		}
		if !faults[h.During] {
			p.add(path+".during", "during %q names no fault of this scenario", h.During)
		}
		if len(h.Is)+len(h.Never) == 0 {
			p.add(path, "give is: or never: (health values)")
		}
		for _, v := range append(slices.Clone(h.Is), h.Never...) {
			if !slices.Contains(healthNames, v) {
				p.add(path, "unknown health %q: use %s", v, strings.Join(healthNames, ", "))
			}
		}
	}
	for i, h := range e.PortHolder {
		path := fmt.Sprintf("expect.port_holder[%d]", i)
		if h.Service == "" {
			p.add(path+".service", "service is required")
		}
		if h.Port < 1 || h.Port > 65535 {
			p.add(path+".port", "port %d is not a TCP port", h.Port)
		}
	}
	for i, ev := range e.Events {
		path := fmt.Sprintf("expect.events[%d]", i)
		if !slices.Contains(eventKinds, ev.Kind) {
			p.add(path+".kind", "unknown event kind %q: use %s", ev.Kind, strings.Join(eventKinds, ", "))
		}
		if ev.Min < 0 || (ev.Max != nil && *ev.Max < ev.Min) {
			p.add(path, "need 0 <= min <= max")
		}
	}
}
