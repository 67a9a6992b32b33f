package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/vigilhq/vigil/slo"
)

// Regression kinds.
const (
	RegressionRecovery     = "recovery-p95" // p95 recovery rose by more than RecoveryGrowth
	RegressionAvailability = "availability" // a projected availability is below the objective
	RegressionLostWrites   = "lost-writes"  // an acknowledged write was lost
)

// RecoveryGrowth is the p95 recovery increase Diff flags (20 %).
const RecoveryGrowth = 0.20

// Regression is one way a new report is worse than an old one.
type Regression struct {
	Scenario string `json:"scenario"` // scenario name, or slo.ReleaseScenario
	Kind     string `json:"kind"`     // one of the Regression* constants
	Old      string `json:"old"`
	New      string `json:"new"`
	Message  string `json:"message"`
}

// Diff compares new against old (matched by scenario name) and returns every
// regression: a p95 recovery (per scenario and release-wide) up more than
// 20 % and by more than two probe intervals (the measurement's resolution);
// any projected availability below the objective in new; any lost
// acknowledged write in new. An identical pair of passing reports has none.
func Diff(old, new Report) []Regression {
	out := []Regression{}
	olds := map[string]slo.ScenarioResult{}
	for _, s := range old.Scenarios {
		olds[s.Name] = s
	}
	floor := 2 * slo.DefaultProbeInterval
	for _, s := range new.Scenarios {
		floor = max(floor, 2*s.ProbeInterval)
		if o, ok := olds[s.Name]; ok {
			op, np := slo.Percentile(o.Recoveries(), 95), slo.Percentile(s.Recoveries(), 95)
			if reg, ok := recoveryRegression(s.Name, op, np, 2*s.ProbeInterval); ok {
				out = append(out, reg)
			}
		}
		if s.Set != nil && len(s.Set.Lost) > 0 {
			oldLost := "–"
			if o, ok := olds[s.Name]; ok && o.Set != nil {
				oldLost = fmt.Sprint(len(o.Set.Lost))
			}
			out = append(out, Regression{Scenario: s.Name, Kind: RegressionLostWrites, Old: oldLost, New: fmt.Sprint(len(s.Set.Lost)),
				Message: fmt.Sprintf("scenario %q lost %d acknowledged writes (first: %s)", s.Name, len(s.Set.Lost), s.Set.Lost[0])})
		}
	}
	if reg, ok := recoveryRegression(slo.ReleaseScenario, old.Aggregate.RecoveryP95, new.Aggregate.RecoveryP95, floor); ok {
		out = append(out, reg)
	}
	for _, b := range new.Breaches {
		if b.SLO != slo.SLOAvailability {
			continue
		}
		was := "met"
		for _, ob := range old.Breaches {
			if ob.Scenario == b.Scenario && ob.SLO == b.SLO && ob.Target == b.Target {
				was = "already below: " + ob.Got
			}
		}
		out = append(out, Regression{Scenario: b.Scenario, Kind: RegressionAvailability, Old: was, New: b.Got,
			Message: "availability below objective: " + b.String()})
	}
	return out
}

func recoveryRegression(scenario string, old, new, floor time.Duration) (Regression, bool) {
	if new <= old || new-old <= floor || float64(new) <= float64(old)*(1+RecoveryGrowth) {
		return Regression{}, false
	}
	up := "from zero"
	if old > 0 {
		up = fmt.Sprintf("%.0f %%", (float64(new)/float64(old)-1)*100)
	}
	return Regression{Scenario: scenario, Kind: RegressionRecovery, Old: slo.Dur(old), New: slo.Dur(new),
		Message: fmt.Sprintf("scenario %q recovery p95 up %s: %s → %s", scenario, up, slo.Dur(old), slo.Dur(new))}, true
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
