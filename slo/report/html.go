package report

import (
	"fmt"
	"html/template"
	"io"
	"time"

	"github.com/vigilhq/vigil/slo"
)

// htmlScenario is one scenario's section of the HTML page.
type htmlScenario struct {
	slo.ScenarioResult
	Verdict string
	Chart   chart
	Start   time.Time
}

// WriteHTML writes r as one self-contained page (no external script, style
// or font) with an inline SVG timeline per scenario. The page is well-formed
// XML (XHTML syntax) so it can be checked with a strict XML parser.
func WriteHTML(w io.Writer, r Report) error {
	page := struct {
		R         Report
		Verdict   string
		Scenarios []htmlScenario
	}{R: r, Verdict: verdict(r.Passed)}
	for _, s := range r.Scenarios {
		start, _ := span(s)
		page.Scenarios = append(page.Scenarios, htmlScenario{ScenarioResult: s, Verdict: verdict(r.scenarioPassed(s.Name)), Chart: newChart(s), Start: start})
	}
	if err := htmlTemplate.Execute(w, page); err != nil {
		return fmt.Errorf("render html: %w", err)
	}
	return nil
}

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"pct":    slo.Pct,
	"dur":    slo.Dur,
	"f1":     func(v float64) string { return fmt.Sprintf("%.1f", v) },
	"offset": offset,
	"rfc3339": func(t time.Time) string {
		return t.UTC().Format(time.RFC3339)
	},
	"setCells": func(s *slo.SetResult) []string {
		a, l, d, u := setCells(s)
		return []string{a, l, d, u}
	},
	"worstRecovery": worstRecovery,
	"watchdog":      watchdogCell,
}).Parse(htmlSource))

const htmlSource = `<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" lang="en">
<head>
<meta charset="utf-8" />
<title>Vigil SLO report {{.R.Release}}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: left; font-size: 14px; }
.PASS { color: #137333; font-weight: bold; }
.FAIL { color: #b3261e; font-weight: bold; }
svg { border: 1px solid #ddd; background: #fff; }
svg text { font-size: 11px; fill: #333; }
rect.ok { fill: #34a853; }
rect.fail { fill: #d93025; }
rect.fault { fill: #fbbc04; fill-opacity: 0.35; stroke: #f29900; }
rect.recovering { fill: #fbbc04; fill-opacity: 0.12; }
line.rec { stroke: #1a73e8; stroke-width: 2; }
line.wd { stroke: #7b1fa2; stroke-width: 1; stroke-dasharray: 4 3; }
</style>
</head>
<body>
<h1>Vigil SLO report: {{.R.Release}}</h1>
<p><span class="{{.Verdict}}">{{.Verdict}}</span> ({{len .R.Breaches}} breaches), <code>{{.R.GitDescribe}}</code>, generated {{rfc3339 .R.Generated}}, schema {{.R.SchemaVersion}}</p>
<p>Objectives: recovery &lt; {{dur .R.Objectives.RecoveryMax}}; availability ≥ {{pct .R.Objectives.Availability}} (30-day projection); lost acknowledged writes ≤ {{.R.Objectives.MaxLost}}; no duplicate or unexpected write.</p>
<h2>Summary</h2>
<table>
<tr><th>Scenario</th><th>Seed</th><th>Faults</th><th>Worst recovery</th><th>Target</th><th>Availability (run)</th><th>Budget spent (run)</th><th>Projected 30 d</th><th>Faults/30 d the budget allows</th><th>Acked</th><th>Lost</th><th>Dup</th><th>Unexpected</th><th>Verdict</th></tr>
{{- range .Scenarios}}{{$s := .}}{{$set := setCells .Set}}
{{- range .Targets}}
<tr><td>{{$s.Name}}</td><td>{{$s.Seed}}</td><td>{{len $s.Faults}}</td><td>{{worstRecovery $s.ScenarioResult}}</td><td>{{.Target}}</td><td>{{pct .Ratio}} ({{.Good}}/{{.Total}})</td><td>{{f1 .BudgetSpent}} %</td><td>{{pct .Projection.Availability}}</td><td>{{if lt .Projection.FaultsAllowed 0}}no limit{{else}}{{.Projection.FaultsAllowed}}{{end}}</td>{{range $set}}<td>{{.}}</td>{{end}}<td class="{{$s.Verdict}}">{{$s.Verdict}}</td></tr>
{{- end}}
{{- end}}
<tr><th>release</th><td></td><td>{{.R.Aggregate.Faults}}</td><td>p95 {{dur .R.Aggregate.RecoveryP95}}, max {{dur .R.Aggregate.RecoveryMax}}</td><td>all</td><td>{{pct .R.Aggregate.Ratio}} raw, not judged</td><td>{{f1 .R.Aggregate.BudgetSpent}} %</td><td>{{pct .R.Aggregate.Projected}} ({{dur .R.Aggregate.Downtime30d}} per 30 d, {{f1 .R.Aggregate.ProjectedBudgetSpent}} % of budget)</td><td></td><td></td><td>{{.R.Aggregate.Lost}}</td><td>{{.R.Aggregate.Duplicates}}</td><td>{{.R.Aggregate.Unexpected}}</td><td class="{{.Verdict}}">{{.Verdict}}</td></tr>
</table>
<h2>Breaches</h2>
{{- if .R.Breaches}}
<ul>
{{- range .R.Breaches}}
<li class="breach">{{.String}}</li>
{{- end}}
</ul>
{{- else}}
<p>None.</p>
{{- end}}
{{- range .Scenarios}}{{$s := .}}
<h2 id="scenario-{{.Name}}">Scenario {{.Name}} <span class="{{.Verdict}}">{{.Verdict}}</span></h2>
<p>Seed {{.Seed}}; probe interval {{dur .ProbeInterval}}; recovery = {{.K}} good probes in a row; fault rate assumed {{.FaultsPer30Days}} per 30 days.</p>
<svg xmlns="http://www.w3.org/2000/svg" width="{{f1 .Chart.Width}}" height="{{f1 .Chart.Height}}" viewBox="0 0 {{f1 .Chart.Width}} {{f1 .Chart.Height}}" role="img">
<title>Probe timeline of scenario {{.Name}}</title>
{{- range .Chart.Faults}}
<rect class="{{.Class}}" x="{{f1 .X}}" y="{{f1 .Y}}" width="{{f1 .W}}" height="{{f1 .H}}"><title>{{.Title}}</title></rect>
{{- end}}
{{- range .Chart.Segments}}
<rect class="{{.Class}}" x="{{f1 .X}}" y="{{f1 .Y}}" width="{{f1 .W}}" height="{{f1 .H}}"><title>{{.Title}}</title></rect>
{{- end}}
{{- range .Chart.Marks}}
<line class="{{.Class}}" x1="{{f1 .X}}" x2="{{f1 .X}}" y1="{{f1 .Y1}}" y2="{{f1 .Y2}}"><title>{{.Title}}</title></line>
{{- end}}
{{- range .Chart.Labels}}
<text x="{{f1 .X}}" y="{{f1 .Y}}">{{.Text}}</text>
{{- end}}
{{- range .Chart.Ticks}}
<text x="{{f1 .X}}" y="{{f1 .Y}}" text-anchor="middle">{{.Text}}</text>
{{- end}}
</svg>
{{- if .Faults}}
<table>
<tr><th>Fault</th><th>Injected (+s)</th><th>Reverted (+s)</th><th>Target</th><th>Status</th><th>Recovery</th><th>Failed probes</th><th>Watchdog healthy</th></tr>
{{- range .Faults}}{{$f := .}}
{{- range .Recoveries}}
<tr><td>{{$f.Name}}</td><td>{{offset $s.Start $f.Injected}}</td><td>{{offset $s.Start $f.Reverted}}</td><td>{{.Target}}</td><td>{{.Status}}</td><td>{{dur .Duration}}</td><td>{{.FailedProbes}}</td><td>{{watchdog $f}}</td></tr>
{{- end}}
{{- end}}
</table>
{{- end}}
{{- with .Set}}
<p>Writes: {{.Attempted}} attempted, {{.Acknowledged}} acknowledged, {{.Failed}} failed, {{.Unknown}} unknown, {{.Pending}} pending; read back {{.Present}} keys; lost {{len .Lost}}, duplicates {{len .Duplicates}}, unexpected {{len .Unexpected}}, failed yet present {{len .FailedPresent}}, recovered {{len .Recovered}}.</p>
{{- end}}
{{- end}}
</body>
</html>
`
