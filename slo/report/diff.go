package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/vigilhq/vigil/slo"
)

// Regression kinds.
const (
	RegressionRecovery     = "recovery"     // a fault+target's (or the scenario's worst) recovery rose beyond the margin
	RegressionAvailability = "availability" // a target's downtime over the run rose beyond the margin
	RegressionVoided       = "voided-ticks" // the share of voided ticks rose by more than VoidedRise
	RegressionLostWrites   = "lost-writes"  // more acknowledged writes lost than before
	RegressionVerdict      = "verdict"      // a scenario (or the release) that passed no longer does
)

// Noise margins of Diff (docs/slo.md, "Regressions"). A time figure
// (recovery, downtime) regressed when it rose by more than
// max(MarginIntervals probe intervals, MarginMin) AND by more than
// MarginGrowth of its old value AND at least the recovery streak K more
// failed probes stand behind it.
const (
	// MarginIntervals: a recovery is resolved to one probe interval at
	// each end, so two intervals is the measurement's own jitter.
	MarginIntervals = 2
	// MarginMin: kill scenarios recover in 0 s or a few probe intervals
	// from run to run (docs/scenarios.md); below a second is that noise.
	MarginMin = time.Second
	// MarginGrowth: the longest recoveries vary with the watchdog's
	// backoff jitter (0.2) and Postgres crash recovery; 50 % is clear of
	// that and still catches 10 s → 16 s.
	MarginGrowth = 0.5
	// VoidedRise is how far the share of voided ticks may rise (5
	// percentage points, the default MaxVoidShare).
	VoidedRise = 0.05
)

// Margins states the noise margins Diff applies, for its callers to print.
func Margins() string {
	return fmt.Sprintf("recovery and downtime up more than max(%d probe intervals, %v) and %.0f %% and by the recovery streak K in failed probes; voided ticks up more than %.0f points",
		MarginIntervals, MarginMin, MarginGrowth*100, VoidedRise*100)
}

// Regression is one way a new report is worse than an old one.
type Regression struct {
	Scenario string `json:"scenario"`         // scenario name, or slo.ReleaseScenario
	Fault    string `json:"fault,omitempty"`  // fault name, for a recovery
	Target   string `json:"target,omitempty"` // probed target, for a recovery or availability
	Kind     string `json:"kind"`             // one of the Regression* constants
	Old      string `json:"old"`
	New      string `json:"new"`
	Message  string `json:"message"`
}

// Diff compares new against old, scenarios and targets matched by name and
// faults by name and order, and returns every regression beyond the noise
// margins: a recovery per fault and target (or, when none of those did, the
// scenario's worst recovery) or a target's downtime (when its recovery did
// not regress) up beyond the time margin; voided ticks up more than
// VoidedRise (when both reports counted ticks); more lost acknowledged
// writes; a scenario of old or the release that passed now failing or
// inconclusive. Other scenarios in only one report are not compared
// (Unmatched). An identical pair of reports has none.
func Diff(old, new Report) []Regression {
	out := []Regression{}
	olds := map[string]slo.ScenarioResult{}
	for _, s := range old.Scenarios {
		olds[s.Name] = s
	}
	for _, s := range new.Scenarios {
		o, ok := olds[s.Name]
		if !ok {
			continue
		}
		recs := recoveryRegressions(o, s)
		out = append(out, recs...)
		out = append(out, availabilityRegressions(o, s, recs)...)
		// Reports from before the control probe have no ticks: not compared.
		if rise := s.Harness.VoidShare() - o.Harness.VoidShare(); o.Harness.Ticks > 0 && s.Harness.Ticks > 0 && rise > VoidedRise {
			out = append(out, Regression{Scenario: s.Name, Kind: RegressionVoided, Old: voidedCell(o.Harness), New: voidedCell(s.Harness),
				Message: fmt.Sprintf("scenario %q voided ticks up %.1f points: %s → %s (the harness stalled more: a busier machine or a slower prober)",
					s.Name, rise*100, voidedCell(o.Harness), voidedCell(s.Harness))})
		}
		if lost(s.Set) > lost(o.Set) {
			out = append(out, Regression{Scenario: s.Name, Kind: RegressionLostWrites, Old: lostCell(o.Set), New: lostCell(s.Set),
				Message: fmt.Sprintf("scenario %q lost acknowledged writes: %s → %s (first: %s)", s.Name, lostCell(o.Set), lostCell(s.Set), s.Set.Lost[0])})
		}
	}
	// Old's scenarios: one that could not run in new has a breach there.
	for _, name := range append(scenarioNames(old), slo.ReleaseScenario) {
		was, now := old.scenarioVerdict(name), new.scenarioVerdict(name)
		if was == VerdictPass && now != VerdictPass {
			out = append(out, Regression{Scenario: name, Kind: RegressionVerdict, Old: was, New: now,
				Message: fmt.Sprintf("scenario %q was %s, now %s: %s", name, was, now, new.why(name))})
		}
	}
	return out
}

// Unmatched names the scenarios that only old or only new has: Diff does
// not compare them.
func Unmatched(old, new Report) (onlyOld, onlyNew []string) {
	in := func(name string, r Report) bool {
		for _, s := range r.Scenarios {
			if s.Name == name {
				return true
			}
		}
		return false
	}
	for _, s := range old.Scenarios {
		if !in(s.Name, new) {
			onlyOld = append(onlyOld, s.Name)
		}
	}
	for _, s := range new.Scenarios {
		if !in(s.Name, old) {
			onlyNew = append(onlyNew, s.Name)
		}
	}
	return onlyOld, onlyNew
}

// measure is a time figure and the failed probes behind it.
type measure struct {
	d      time.Duration
	failed int
}

// beyond reports whether new exceeds old by more than the noise margins
// (see MarginIntervals), k being the recovery streak.
func beyond(old, new measure, interval time.Duration, k int) bool {
	up := new.d - old.d
	return up > max(MarginIntervals*interval, MarginMin) &&
		float64(new.d) > float64(old.d)*(1+MarginGrowth) &&
		new.failed-old.failed >= k
}

// recoveryRegressions compares every fault+target recovery of s with o's
// (the n-th fault of a name with the n-th); when none regressed, the
// scenario's worst recovery.
func recoveryRegressions(o, s slo.ScenarioResult) []Regression {
	olds := map[string]slo.Recovery{}
	eachRecovery(o, func(key, _ string, rec slo.Recovery) { olds[key] = rec })
	var out []Regression
	eachRecovery(s, func(key, fault string, rec slo.Recovery) {
		if was, ok := olds[key]; ok && beyond(recMeasure(was), recMeasure(rec), s.ProbeInterval, s.K) {
			out = append(out, recoveryRegression(s.Name, fault, was, rec))
		}
	})
	if len(out) > 0 {
		return out
	}
	was, _, okOld := worstOf(o)
	rec, fault, ok := worstOf(s)
	if ok && okOld && beyond(recMeasure(was), recMeasure(rec), s.ProbeInterval, s.K) {
		out = append(out, recoveryRegression(s.Name, fault, was, rec))
	}
	return out
}

func recoveryRegression(scenario, fault string, was, rec slo.Recovery) Regression {
	return Regression{Scenario: scenario, Fault: fault, Target: rec.Target, Kind: RegressionRecovery, Old: recoveryText(was), New: recoveryText(rec),
		Message: fmt.Sprintf("scenario %q fault %q target %q recovery up: %s → %s (%d → %d failed probes)",
			scenario, fault, rec.Target, recoveryText(was), recoveryText(rec), was.FailedProbes, rec.FailedProbes)}
}

// eachRecovery calls f with every recovery of s keyed by fault name, the
// fault's occurrence among those of its name, and target.
func eachRecovery(s slo.ScenarioResult, f func(key, fault string, rec slo.Recovery)) {
	seen := map[string]int{}
	for _, fr := range s.Faults {
		n := seen[fr.Name]
		seen[fr.Name]++
		for _, rec := range fr.Recoveries {
			f(fmt.Sprintf("%s#%d/%s", fr.Name, n, rec.Target), fr.Name, rec)
		}
	}
}

func recMeasure(r slo.Recovery) measure { return measure{d: r.Duration, failed: r.FailedProbes} }

func recoveryText(r slo.Recovery) string {
	switch r.Status {
	case slo.Recovered:
		return slo.Dur(r.Duration)
	case slo.NoImpact:
		return "0s (no impact)"
	}
	return fmt.Sprintf("%s %s", r.Status, slo.Dur(r.Duration))
}

// availabilityRegressions compares each target's downtime over the run,
// the time-equivalent of its failed probes, with o's: failures that no
// slower recovery explains (collateral, flapping). A target already in
// recs (a recovery regression) is not reported twice.
func availabilityRegressions(o, s slo.ScenarioResult, recs []Regression) []Regression {
	olds := map[string]slo.TargetResult{}
	for _, t := range o.Targets {
		olds[t.Target] = t
	}
	for _, r := range recs {
		delete(olds, r.Target)
	}
	var out []Regression
	for _, t := range s.Targets {
		was, ok := olds[t.Target]
		if !ok || !beyond(downtime(was), downtime(t), s.ProbeInterval, s.K) {
			continue
		}
		text := func(t slo.TargetResult) string {
			return fmt.Sprintf("%s (%s down, %d failed probes)", slo.Pct(t.Ratio), slo.Dur(t.Downtime), t.Total-t.Good)
		}
		out = append(out, Regression{Scenario: s.Name, Target: t.Target, Kind: RegressionAvailability, Old: text(was), New: text(t),
			Message: fmt.Sprintf("scenario %q target %q availability down: %s → %s", s.Name, t.Target, text(was), text(t))})
	}
	return out
}

func downtime(t slo.TargetResult) measure { return measure{d: t.Downtime, failed: t.Total - t.Good} }

func lost(s *slo.SetResult) int {
	if s == nil {
		return 0
	}
	return len(s.Lost)
}

func scenarioNames(r Report) []string {
	out := make([]string, len(r.Scenarios))
	for i, s := range r.Scenarios {
		out[i] = s.Name
	}
	return out
}

// why is the first breach or inconclusive reason of scenario.
func (r Report) why(scenario string) string {
	for _, b := range r.Breaches {
		if b.Scenario == scenario {
			return b.String()
		}
	}
	for _, in := range r.Inconclusive {
		if in.Scenario == scenario {
			return in.Reason
		}
	}
	return ""
}

// FormatDiff renders regressions as text, one per line, or a line saying
// there are none.
func FormatDiff(regs []Regression) string {
	if len(regs) == 0 {
		return "no SLO regressions\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d SLO regressions:\n", len(regs))
	for _, r := range regs {
		fmt.Fprintf(&b, "  REGRESSION %-13s %s\n", r.Kind, r.Message)
	}
	return b.String()
}
