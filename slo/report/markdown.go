package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/vigilhq/vigil/slo"
)

// WriteMarkdown writes r for a PR or release note. Its first screen
// answers "can we ship?": the verdict, each breach (scenario, fault,
// target, got vs want) or inconclusive scenario with its reason, and one
// line per scenario. The detail follows: availability and writes per
// scenario with the release aggregate, per fault and target recovery, the
// harness figures, the collateral failures, every breach and the seeds.
func WriteMarkdown(w io.Writer, r Report) error {
	bw := bufio.NewWriter(w)
	p := func(format string, a ...any) { fmt.Fprintf(bw, format, a...) }
	fs := newFirstScreen(r)
	p("# %s: Vigil SLO report %s\n\n", fs.Verdict, md(r.Release))
	p("**%s**: %s.\n\n", fs.Verdict, md(fs.Advice))
	for _, why := range fs.Reasons {
		p("- **%s** in %s: %s\n", md(why.What), md(why.Where), md(why.Detail))
	}
	if fs.More > 0 {
		p("- … and %d more (see Breaches)\n", fs.More)
	}
	if len(fs.Reasons) > 0 {
		p("\n")
	}
	mdTable(p, fs.Lines)
	o := r.Objectives
	p("`%s` · generated %s · objectives: recovery < %s · availability ≥ %s (30-day projection) · lost acknowledged writes ≤ %d · no duplicate or unexpected write.\n\n",
		md(r.GitDescribe), r.Generated.UTC().Format(time.RFC3339), slo.Dur(o.RecoveryMax), slo.Pct(o.Availability), o.MaxLost)

	p("## Availability and writes\n\n")
	p("| Scenario | Seed | Faults | Availability (run) | Projected 30 d | Acked | Lost | Dup | Unexpected | Verdict |\n")
	p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
	for _, s := range r.Scenarios {
		run, proj := worstTarget(s)
		acked, lost, dup, unexp := setCells(s.Set)
		p("| %s | %d | %d | %s | %s | %s | %s | %s | %s | %s |\n", md(s.Name), s.Seed, len(s.Faults),
			run, proj, acked, lost, dup, unexp, r.scenarioVerdict(s.Name))
	}
	a := r.Aggregate
	p("| **release** | | %d | %s (Σgood/Σtotal, not judged) | %s | | %d | %d | %d | %s |\n\n",
		a.Faults, slo.Pct(a.Ratio), slo.Pct(a.Projected), a.Lost, a.Duplicates, a.Unexpected, releaseVerdict(r))
	p("Release: recovery p95 %s, max %s; %s expected downtime per 30 days = %.1f %% of the error budget.\n\n",
		slo.Dur(a.RecoveryP95), slo.Dur(a.RecoveryMax), slo.Dur(a.Downtime30d), a.ProjectedBudgetSpent)

	if hasFaults(r) {
		p("## Faults\n\n")
		mdTable(p, faultTable(r.Scenarios...))
	}
	p("## Harness\n\n")
	mdTable(p, harnessTable(r.Scenarios...))
	p("## Collateral\n\nFailed probes charged to no fault: outside every fault's radius or window. They count against availability, not recovery.\n\n")
	if ct := collateralTable(r.Scenarios...); len(ct.Rows) > 0 {
		mdTable(p, ct)
	} else {
		p("None.\n\n")
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

// mdTable writes t as a Markdown table followed by a blank line.
func mdTable(p func(string, ...any), t table) {
	row := func(cells []string) {
		esc := make([]string, len(cells))
		for i, c := range cells {
			esc[i] = md(c)
		}
		p("| %s |\n", strings.Join(esc, " | "))
	}
	row(t.Head)
	p("|%s\n", strings.Repeat("---|", len(t.Head)))
	for _, r := range t.Rows {
		row(r)
	}
	p("\n")
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
