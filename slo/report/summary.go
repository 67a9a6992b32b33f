package report

import (
	"fmt"
	"strings"

	"github.com/vigilhq/vigil/slo"
)

// maxReasons caps the reasons listed on the first screen; the rest are in
// the breaches section.
const maxReasons = 8

// firstScreen answers "can we ship?": the verdict, why, and one line per
// scenario. report.md and report.html both open with it.
type firstScreen struct {
	Verdict string // VerdictPass, VerdictFail or VerdictInconclusive
	Advice  string // what the verdict means for the release
	Reasons []reason
	More    int // reasons left off (maxReasons)
	Lines   table
}

// reason is one breach or inconclusive scenario: What (the SLO broken, or
// INCONCLUSIVE) Where (scenario, fault, target): Detail (got vs want, or
// why it could not be judged).
type reason struct {
	What, Where, Detail string
}

// table is a header and rows of cells, rendered alike in Markdown and HTML.
type table struct {
	Head []string
	Rows [][]string
}

// newFirstScreen builds r's first screen. The verdict is recomputed from
// breaches and inconclusive scenarios, so a report read from an older
// schema without a verdict field still gets one.
func newFirstScreen(r Report) firstScreen {
	r.Judge()
	fs := firstScreen{Verdict: r.Verdict}
	switch r.Verdict {
	case VerdictFail:
		fs.Advice = fmt.Sprintf("do not ship: %s", plural(len(r.Breaches), "SLO breach", "SLO breaches"))
	case VerdictInconclusive:
		fs.Advice = fmt.Sprintf("cannot tell: %s could not be judged; rerun before shipping", plural(len(r.Inconclusive), "scenario", "scenarios"))
	default:
		fs.Advice = fmt.Sprintf("ship: every SLO met in %s", plural(len(r.Scenarios), "scenario", "scenarios"))
	}
	var all []reason
	for _, b := range r.Breaches {
		all = append(all, reason{What: b.SLO + " breached", Where: b.Where(), Detail: fmt.Sprintf("got %s, want %s", b.Got, b.Want)})
	}
	for _, in := range r.Inconclusive {
		all = append(all, reason{What: VerdictInconclusive, Where: fmt.Sprintf("scenario %q", in.Scenario), Detail: in.Reason})
	}
	fs.Reasons = all[:min(len(all), maxReasons)]
	fs.More = len(all) - len(fs.Reasons)
	fs.Lines.Head = []string{"Scenario", "Worst recovery", "Voided ticks", "Collateral (failed probes outside any fault)", "Lost writes", "Verdict"}
	for _, s := range r.Scenarios {
		fs.Lines.Rows = append(fs.Lines.Rows, []string{s.Name, worstRecovery(s), voidedCell(s.Harness), collateralCell(s.Collateral), lostCell(s.Set), r.scenarioVerdict(s.Name)})
	}
	return fs
}

// scenarioVerdict is FAIL when scenario has a breach, INCONCLUSIVE when it
// could not be judged, PASS otherwise.
func (r Report) scenarioVerdict(scenario string) string {
	for _, b := range r.Breaches {
		if b.Scenario == scenario {
			return VerdictFail
		}
	}
	for _, in := range r.Inconclusive {
		if in.Scenario == scenario {
			return VerdictInconclusive
		}
	}
	return VerdictPass
}

// releaseVerdict is FAIL when the release aggregate breached, else PASS.
func releaseVerdict(r Report) string { return r.scenarioVerdict(slo.ReleaseScenario) }

// worstOf returns s's worst recovery over every fault and target (by
// status, then duration) and its fault; ok is false when there is none.
func worstOf(s slo.ScenarioResult) (worst slo.Recovery, fault string, ok bool) {
	for _, f := range s.Faults {
		for _, rec := range f.Recoveries {
			if !ok || rec.Status > worst.Status || (rec.Status == worst.Status && rec.Duration > worst.Duration) {
				worst, fault, ok = rec, f.Name, true
			}
		}
	}
	return worst, fault, ok
}

// worstRecovery names s's worst recovery with its fault and target.
func worstRecovery(s slo.ScenarioResult) string {
	worst, fault, ok := worstOf(s)
	switch {
	case len(s.Faults) == 0:
		return "no faults"
	case !ok:
		return "no target in any fault's radius"
	case worst.Status == slo.NoImpact:
		return "no impact"
	}
	return fmt.Sprintf("%s (%s → %s)", recoveryText(worst), fault, worst.Target)
}

// voidedCell is "n of total" voided ticks, with the share when any was
// voided; "–" when the run recorded no ticks.
func voidedCell(h slo.Harness) string {
	switch {
	case h.Ticks == 0:
		return "–"
	case h.Voided == 0:
		return fmt.Sprintf("0 of %d", h.Ticks)
	}
	return fmt.Sprintf("%d of %d (%.1f %%)", h.Voided, h.Ticks, h.VoidShare()*100)
}

// collateralCell lists failed probes charged to no fault, per target:
// "api 3, web 1", or "none".
func collateralCell(cs []slo.Collateral) string {
	if len(cs) == 0 {
		return "none"
	}
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = fmt.Sprintf("%s %d", c.Target, c.FailedProbes)
	}
	return strings.Join(parts, ", ")
}

// lostCell is "lost of acked acked", or "–" when the scenario writes
// nothing.
func lostCell(s *slo.SetResult) string {
	if s == nil {
		return "–"
	}
	return fmt.Sprintf("%d of %d acked", len(s.Lost), s.Acknowledged)
}

// harnessTable is the harness figures of each of ss.
func harnessTable(ss ...slo.ScenarioResult) table {
	t := table{Head: []string{"Scenario", "Ticks", "Voided", "Control failed", "Late", "Missed", "Late bound", "Max voided", "Judged"}}
	for _, s := range ss {
		h := s.Harness
		judged := "yes"
		if h.Inconclusive != "" {
			judged = "INCONCLUSIVE: " + h.Inconclusive
		}
		t.Rows = append(t.Rows, []string{s.Name, fmt.Sprint(h.Ticks), voidedCell(h), fmt.Sprint(h.ControlFailed), fmt.Sprint(h.Late), fmt.Sprint(h.Missed),
			slo.Dur(h.Bound), fmt.Sprintf("%.1f %%", h.MaxVoidShare*100), judged})
	}
	return t
}

// collateralTable lists the collateral failures of each of ss, times as
// seconds after its start.
func collateralTable(ss ...slo.ScenarioResult) table {
	t := table{Head: []string{"Scenario", "Target", "Failed probes", "First (+s)", "Last (+s)"}}
	for _, s := range ss {
		start, _ := span(s)
		for _, c := range s.Collateral {
			t.Rows = append(t.Rows, []string{s.Name, c.Target, fmt.Sprint(c.FailedProbes), offset(start, c.First), offset(start, c.Last)})
		}
	}
	return t
}

// faultTable lists, for each of ss, per fault and target in its radius,
// the status, recovery and failed probes.
func faultTable(ss ...slo.ScenarioResult) table {
	t := table{Head: []string{"Scenario", "Fault", "Injected (+s)", "Reverted (+s)", "Target", "Status", "Recovery", "Failed probes", "Watchdog healthy"}}
	for _, s := range ss {
		start, _ := span(s)
		for _, f := range s.Faults {
			for _, rec := range f.Recoveries {
				t.Rows = append(t.Rows, []string{s.Name, f.Name, offset(start, f.Injected), offset(start, f.Reverted), rec.Target,
					rec.Status.String(), slo.Dur(rec.Duration), fmt.Sprint(rec.FailedProbes), watchdogCell(f)})
			}
		}
	}
	return t
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
