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
	// Control is the control target's timeline (Prober.ControlTimeline);
	// Ticks the prober's dispatched ticks (Prober.Ticks). With them,
	// harness stalls are voided (MarkStalls).
	Control *Timeline
	Ticks   []time.Time
	// StallBound and MaxVoidShare tune MarkStalls; defaults
	// DefaultStallBound and DefaultMaxVoidShare.
	StallBound   time.Duration
	MaxVoidShare float64
	// Onset is how long after a fault was reverted (or injected, for an
	// instant fault) a target's first failure may start and still be the
	// fault's; default DefaultOnset.
	Onset time.Duration
}

// DefaultOnset bounds when a fault's effect must show: a failure that
// starts later is collateral (a stray probe timeout 13 s after a kill that
// caused no failure is not a 13 s recovery).
const DefaultOnset = 5 * time.Second

// TargetResult is one target's availability over a scenario run.
type TargetResult struct {
	Availability
	BudgetSpent float64    `json:"budget_spent_pct"` // of the run's own probes, see BudgetSpent
	Projection  Projection `json:"projection"`
}

// FaultResult is how every target came through one fault.
type FaultResult struct {
	Window
	Recoveries []Recovery `json:"recoveries"` // one per target in the fault's radius, in timeline order
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
	// Harness is how the measuring side fared: voided ticks, and whether
	// the verdict is inconclusive.
	Harness Harness `json:"harness"`
	// Collateral lists, per target, the failed probes charged to no fault:
	// outside every fault's radius or window. They count against
	// availability, never against a fault's recovery.
	Collateral []Collateral `json:"collateral"`
}

// Collateral is one target's failed probes that no fault is charged with.
type Collateral struct {
	Target       string    `json:"target"`
	FailedProbes int       `json:"failed_probes"`
	First        time.Time `json:"first"`
	Last         time.Time `json:"last"`
}

// Inconclusive reports why r cannot be judged ("" when it can).
func (r ScenarioResult) Inconclusive() string { return r.Harness.Inconclusive }

// Analyze measures in against obj: availability and its 30-day projection per
// target, and recovery per fault and target. First the probes of ticks on
// which the harness stalled are voided (MarkStalls). Faults are sorted by
// injection; a failure is attributed to the latest fault injected before it
// whose radius holds the target; failures charged to no fault are
// Collateral.
func Analyze(in ScenarioInput, obj Objectives) ScenarioResult {
	in.K = orDefault(in.K, DefaultRecoveryStreak)
	in.ProbeInterval = orDefault(in.ProbeInterval, DefaultProbeInterval)
	in.FaultsPer30Days = orDefault(in.FaultsPer30Days, DefaultFaultsPer30Days)
	in.Onset = orDefault(in.Onset, DefaultOnset)
	r := ScenarioResult{
		Name: in.Name, Seed: in.Seed, Start: in.Start, End: in.End,
		ProbeInterval: in.ProbeInterval, K: in.K, FaultsPer30Days: in.FaultsPer30Days,
		Set: in.Set, Targets: []TargetResult{}, Faults: []FaultResult{},
	}
	in.Timelines, r.Harness = MarkStalls(StallInput{
		Timelines: in.Timelines, Control: in.Control, Ticks: in.Ticks,
		Interval: in.ProbeInterval, Bound: in.StallBound, MaxShare: in.MaxVoidShare,
	})
	for i, tl := range in.Timelines {
		sortProbes(tl.Probes) // a copy made by MarkStalls
		in.Timelines[i] = tl
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
		r.Faults = append(r.Faults, measureFault(in.Timelines, w, func(target string) RecoveryOptions {
			opt := RecoveryOptions{K: in.K, Until: attributionEnd(w, in.Onset)}
			// The next fault that reaches the target takes over.
			for _, next := range faults[i+1:] {
				if next.Reaches(target) && next.Injected.Before(opt.Until) {
					opt.Until = next.Injected
					break
				}
			}
			return opt
		}))
	}
	r.Collateral = collateral(in.Timelines, r.Faults, in.Start, in.End)
	return r
}

// measureFault measures every target in w's radius, each with its own
// attribution options.
func measureFault(tls []Timeline, w Window, opts func(target string) RecoveryOptions) FaultResult {
	f := FaultResult{Window: w, Recoveries: []Recovery{}}
	f.Radius = []string{} // the effective radius, never null in reports
	for _, tl := range tls {
		if w.Reaches(tl.Target) {
			f.Radius = append(f.Radius, tl.Target)
		}
	}
	if !w.WatchdogHealthy.IsZero() {
		f.WatchdogRecovery = w.WatchdogHealthy.Sub(w.Injected)
	}
	for _, tl := range tls {
		if !w.Reaches(tl.Target) {
			continue
		}
		rec := MeasureRecovery(tl, w, opts(tl.Target))
		f.Recoveries = append(f.Recoveries, rec)
		f.Status = max(f.Status, rec.Status)
		f.Recovery = max(f.Recovery, rec.Duration)
	}
	if len(f.Recoveries) == 0 {
		f.Status = NoData
	}
	return f
}

// collateral counts, per target, the judged failed probes in [start, end)
// that no fault's recovery covers: a fault covers a target's probes from
// its first failure to its recovery (or the end, when it never recovered).
func collateral(tls []Timeline, fs []FaultResult, start, end time.Time) []Collateral {
	out := []Collateral{}
	for _, tl := range tls {
		var spans [][2]time.Time
		for _, f := range fs {
			if !f.First.IsZero() && f.Reaches(tl.Target) {
				spans = append(spans, [2]time.Time{f.First, f.Injected})
			}
			for _, rec := range f.Recoveries {
				if rec.Target != tl.Target || rec.FirstFailure.IsZero() {
					continue
				}
				to := rec.RecoveredAt
				if rec.Status != Recovered {
					to = time.Time{}
				}
				spans = append(spans, [2]time.Time{rec.FirstFailure, to})
			}
		}
		c := Collateral{Target: tl.Target}
		for _, p := range judged(tl.between(start, end)) {
			if p.OK || covered(p.Time, spans) {
				continue
			}
			if c.FailedProbes == 0 {
				c.First = p.Time
			}
			c.FailedProbes++
			c.Last = p.Time
		}
		if c.FailedProbes > 0 {
			out = append(out, c)
		}
	}
	return out
}

// covered reports whether t lies in one of spans ([from, to); a zero to is
// open).
func covered(t time.Time, spans [][2]time.Time) bool {
	for _, s := range spans {
		if !t.Before(s[0]) && (s[1].IsZero() || t.Before(s[1])) {
			return true
		}
	}
	return false
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
// starts later than onset after the fault was reverted (or injected, for an
// instant fault) is not its consequence: a kill shows at once, a cut link
// while it is cut. It is collateral and still counts against availability.
func attributionEnd(w Window, onset time.Duration) time.Time {
	end := w.Injected
	if w.Reverted.After(end) {
		end = w.Reverted
	}
	return end.Add(onset)
}

// orDefault is v, or def when v is zero or negative (unset).
func orDefault[T int | float64 | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}
