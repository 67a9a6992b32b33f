package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/vigilhq/vigil/slo"
)

// WriteMarkdown writes r for a PR or release note: verdict, a summary table
// with each scenario's run figures and the release aggregate, the faults,
// and every breach.
func WriteMarkdown(w io.Writer, r Report) error {
	bw := bufio.NewWriter(w)
	p := func(format string, a ...any) { fmt.Fprintf(bw, format, a...) }
	p("# Vigil SLO report: %s\n\n", md(r.Release))
	p("**%s** (%d breaches) · `%s` · generated %s\n\n", verdict(r.Passed), len(r.Breaches), md(r.GitDescribe), r.Generated.UTC().Format(time.RFC3339))
	o := r.Objectives
	p("Objectives: recovery < %s · availability ≥ %s (30-day projection) · lost acknowledged writes ≤ %d · no duplicate or unexpected write.\n\n",
		slo.Dur(o.RecoveryMax), slo.Pct(o.Availability), o.MaxLost)

	p("## Summary\n\n")
	p("| Scenario | Seed | Faults | Worst recovery | Availability (run) | Projected 30 d | Acked | Lost | Dup | Unexpected | Verdict |\n")
	p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
	for _, s := range r.Scenarios {
		run, proj := worstTarget(s)
		acked, lost, dup, unexp := setCells(s.Set)
		p("| %s | %d | %d | %s | %s | %s | %s | %s | %s | %s | %s |\n", md(s.Name), s.Seed, len(s.Faults),
			worstRecovery(s), run, proj, acked, lost, dup, unexp, verdict(r.scenarioPassed(s.Name)))
	}
	a := r.Aggregate
	p("| **release** | | %d | p95 %s · max %s | %s (Σgood/Σtotal, not judged) | %s | | %d | %d | %d | %s |\n\n",
		a.Faults, slo.Dur(a.RecoveryP95), slo.Dur(a.RecoveryMax), slo.Pct(a.Ratio), slo.Pct(a.Projected),
		a.Lost, a.Duplicates, a.Unexpected, verdict(len(r.breachesFor(slo.ReleaseScenario, slo.SLOAvailability)) == 0))
	p("Release projection: %s expected downtime per 30 days = %.1f %% of the error budget.\n\n", slo.Dur(a.Downtime30d), a.ProjectedBudgetSpent)

	if hasFaults(r) {
		p("## Faults\n\n")
		p("| Scenario | Fault | Injected (+s) | Reverted (+s) | Target | Status | Recovery | Watchdog healthy |\n")
		p("|---|---|---:|---:|---|---|---:|---:|\n")
		for _, s := range r.Scenarios {
			start, _ := span(s)
			for _, f := range s.Faults {
				for _, rec := range f.Recoveries {
					p("| %s | %s | %s | %s | %s | %s | %s | %s |\n", md(s.Name), md(f.Name), offset(start, f.Injected),
						offset(start, f.Reverted), md(rec.Target), rec.Status, slo.Dur(rec.Duration), watchdogCell(f))
				}
			}
		}
		p("\n")
	}

	p("## Breaches\n\n")
	if len(r.Breaches) == 0 {
		p("None.\n")
	}
	for _, b := range r.Breaches {
		p("- %s\n", md(b.String()))
	}
	if len(r.Seeds) > 0 {
		p("\nSeeds:")
		for _, s := range r.Scenarios {
			p(" `%s=%d`", md(s.Name), s.Seed)
		}
		p("\n")
	}
	return bw.Flush()
}

// md escapes text for a Markdown table cell (no pipes, no raw HTML).
func md(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "`", "'", "<", "&lt;", ">", "&gt;").Replace(s)
}

func hasFaults(r Report) bool {
	for _, s := range r.Scenarios {
		if len(s.Faults) > 0 {
			return true
		}
	}
	return false
}

// worstTarget returns the lowest run availability and lowest projection
// among s's targets, each with its target name.
func worstTarget(s slo.ScenarioResult) (run, proj string) {
	if len(s.Targets) == 0 {
		return "no probes", "no probes"
	}
	wr, wp := s.Targets[0], s.Targets[0]
	for _, t := range s.Targets[1:] {
		if t.Ratio < wr.Ratio {
			wr = t
		}
		if t.Projection.Availability < wp.Projection.Availability {
			wp = t
		}
	}
	return fmt.Sprintf("%s (%s, %d/%d)", slo.Pct(wr.Ratio), md(wr.Target), wr.Good, wr.Total),
		fmt.Sprintf("%s (%s)", slo.Pct(wp.Projection.Availability), md(wp.Target))
}

func worstRecovery(s slo.ScenarioResult) string {
	if len(s.Faults) == 0 {
		return "no faults"
	}
	worst := s.Faults[0]
	for _, f := range s.Faults[1:] {
		if f.Status > worst.Status || (f.Status == worst.Status && f.Recovery > worst.Recovery) {
			worst = f
		}
	}
	if worst.Status == slo.Recovered {
		return slo.Dur(worst.Recovery)
	}
	return fmt.Sprintf("%s (%s)", worst.Status, slo.Dur(worst.Recovery))
}

func setCells(s *slo.SetResult) (acked, lost, dup, unexpected string) {
	if s == nil {
		return "–", "–", "–", "–"
	}
	return fmt.Sprint(s.Acknowledged), fmt.Sprint(len(s.Lost)), fmt.Sprint(len(s.Duplicates)), fmt.Sprint(len(s.Unexpected) + len(s.FailedPresent))
}

// offset formats t as seconds after start, or "–" when t is zero.
func offset(start, t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return fmt.Sprintf("%.1f", t.Sub(start).Seconds())
}

func watchdogCell(f slo.FaultResult) string {
	if f.WatchdogHealthy.IsZero() {
		return "–"
	}
	return slo.Dur(f.WatchdogRecovery)
}
