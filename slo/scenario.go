package slo

import (
	"sort"
	"time"
)

// ScenarioInput is everything one scenario run recorded.
type ScenarioInput struct {
	Name          string
	Seed          int64         // the run's seed (workload keys, fault timing)
	Start, End    time.Time     // measured window; zero: first/last probe
	ProbeInterval time.Duration // the Prober's interval; default DefaultProbeInterval
	Timelines     []Timeline    // from Prober.Timelines
	Faults        []Window      // injected faults, any order
	// FaultsPer30Days is how often this scenario's fault is expected in
	// production (for the 30-day projection); default 1.
	FaultsPer30Days float64
	K               int        // recovery streak; default DefaultRecoveryStreak
	Set             *SetResult // from Check; nil when the scenario writes nothing
}

// TargetResult is one target's availability over a scenario run.
type TargetResult struct {
	Availability
	BudgetSpent float64    `json:"budget_spent_pct"` // of the run's own probes, see BudgetSpent
	Projection  Projection `json:"projection"`
}

// FaultResult is how every target came through one fault.
type FaultResult struct {
	Window
	Recoveries []Recovery `json:"recoveries"` // one per target, in timeline order
	// Status and Recovery are the worst across targets.
	Status   RecoveryStatus `json:"status"`
	Recovery time.Duration  `json:"recovery_ns"`
	// WatchdogRecovery is WatchdogHealthy − Injected, when the watchdog
	// reported a healthy time; informational.
	WatchdogRecovery time.Duration `json:"watchdog_recovery_ns,omitempty"`
}

// ScenarioResult is a scenario's measured figures; Evaluate judges them.
type ScenarioResult struct {
	Name            string         `json:"name"`
	Seed            int64          `json:"seed"`
	Start           time.Time      `json:"start"`
	End             time.Time      `json:"end"`
	ProbeInterval   time.Duration  `json:"probe_interval_ns"`
	K               int            `json:"recovery_streak"`
	FaultsPer30Days float64        `json:"faults_per_30d"`
	Targets         []TargetResult `json:"targets"`
	Faults          []FaultResult  `json:"faults"`
	Set             *SetResult     `json:"set,omitempty"`
	Timelines       []Timeline     `json:"timelines"`
}

// Analyze measures in against obj: availability and its 30-day projection per
// target, and recovery per fault and target. Faults are sorted by injection;
// a failure is attributed to the latest fault injected before it.
func Analyze(in ScenarioInput, obj Objectives) ScenarioResult {
	if in.K <= 0 {
		in.K = DefaultRecoveryStreak
	}
	if in.ProbeInterval <= 0 {
		in.ProbeInterval = DefaultProbeInterval
	}
	if in.FaultsPer30Days <= 0 {
		in.FaultsPer30Days = DefaultFaultsPer30Days
	}
	r := ScenarioResult{
		Name: in.Name, Seed: in.Seed, Start: in.Start, End: in.End,
		ProbeInterval: in.ProbeInterval, K: in.K, FaultsPer30Days: in.FaultsPer30Days,
		Set: in.Set, Targets: []TargetResult{}, Faults: []FaultResult{},
	}
	in.Timelines = append([]Timeline{}, in.Timelines...)
	for i, tl := range in.Timelines {
		if !sort.SliceIsSorted(tl.Probes, func(i, j int) bool { return tl.Probes[i].Time.Before(tl.Probes[j].Time) }) {
			tl.Probes = append([]Probe(nil), tl.Probes...)
			sortProbes(tl.Probes)
			in.Timelines[i] = tl
		}
		a := MeasureAvailability(tl, in.Start, in.End)
		r.Targets = append(r.Targets, TargetResult{
			Availability: a,
			BudgetSpent:  BudgetSpent(a.Good, a.Total, obj.Availability),
			Projection:   Project(a, len(in.Faults), in.FaultsPer30Days, obj.Availability),
		})
	}
	r.Timelines = in.Timelines
	faults := append([]Window(nil), in.Faults...)
	sort.SliceStable(faults, func(i, j int) bool { return faults[i].Injected.Before(faults[j].Injected) })
	for i, w := range faults {
		opt := RecoveryOptions{K: in.K, Until: attributionEnd(w, obj.RecoveryMax)}
		if i+1 < len(faults) && faults[i+1].Injected.Before(opt.Until) {
			opt.Until = faults[i+1].Injected
		}
		r.Faults = append(r.Faults, measureFault(in.Timelines, w, opt))
	}
	return r
}

func measureFault(tls []Timeline, w Window, opt RecoveryOptions) FaultResult {
	f := FaultResult{Window: w, Recoveries: []Recovery{}}
	if !w.WatchdogHealthy.IsZero() {
		f.WatchdogRecovery = w.WatchdogHealthy.Sub(w.Injected)
	}
	if len(tls) == 0 {
		f.Status = NoData
	}
	for _, tl := range tls {
		rec := MeasureRecovery(tl, w, opt)
		f.Recoveries = append(f.Recoveries, rec)
		f.Status = max(f.Status, rec.Status)
		f.Recovery = max(f.Recovery, rec.Duration)
	}
	return f
}

// faultNames joins the scenario's fault names with "+".
func (r ScenarioResult) faultNames() string {
	s := ""
	for i, f := range r.Faults {
		if i > 0 {
			s += "+"
		}
		s += f.Name
	}
	return s
}

// attributionEnd bounds which failures are charged to fault w: one that
// starts later than the recovery objective after the fault was reverted (or
// injected, for an instant fault) is not its consequence within the
// objective. It still counts against availability.
func attributionEnd(w Window, recoveryMax time.Duration) time.Time {
	if recoveryMax <= 0 {
		return time.Time{}
	}
	end := w.Injected
	if w.Reverted.After(end) {
		end = w.Reverted
	}
	return end.Add(recoveryMax)
}
