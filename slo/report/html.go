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
}

// WriteHTML writes r as one self-contained page (no external script, style
// or font) with an inline SVG timeline per scenario. Its first screen is
// the verdict, why, and a line per scenario (as report.md's); the detail
// follows. The page is well-formed XML (XHTML syntax) so it can be checked
// with a strict XML parser.
func WriteHTML(w io.Writer, r Report) error {
	page := struct {
		R         Report
		First     firstScreen
		Scenarios []htmlScenario
	}{R: r, First: newFirstScreen(r)}
	for _, s := range r.Scenarios {
		page.Scenarios = append(page.Scenarios, htmlScenario{ScenarioResult: s, Verdict: r.scenarioVerdict(s.Name), Chart: newChart(s)})
	}
	if err := htmlTemplate.Execute(w, page); err != nil {
		return fmt.Errorf("render html: %w", err)
	}
	return nil
}

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"pct": slo.Pct,
	"dur": slo.Dur,
	"f1":  func(v float64) string { return fmt.Sprintf("%.1f", v) },
	"rfc3339": func(t time.Time) string {
		return t.UTC().Format(time.RFC3339)
	},
	"setCells": func(s *slo.SetResult) []string {
		a, l, d, u := setCells(s)
		return []string{a, l, d, u}
	},
	"releaseVerdict":  releaseVerdict,
	"faultTable":      func(s slo.ScenarioResult) table { return faultTable(s) },
	"harnessTable":    func(s slo.ScenarioResult) table { return harnessTable(s) },
	"collateralTable": func(s slo.ScenarioResult) table { return collateralTable(s) },
	"cellClass": func(cell string) string {
		switch cell {
		case VerdictPass, VerdictFail, VerdictInconclusive:
			return cell
		}
		return ""
	},
}).Parse(htmlSource))

const htmlSource = `{{define "table"}}<table>
<tr>{{range .Head}}<th>{{.}}</th>{{end}}</tr>
{{- range .Rows}}
<tr>{{range .}}<td{{with cellClass .}} class="{{.}}"{{end}}>{{.}}</td>{{end}}</tr>
{{- end}}
</table>{{end -}}
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" lang="en">
<head>
<meta charset="utf-8" />
<title>{{.First.Verdict}}: Vigil SLO report {{.R.Release}}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: left; font-size: 14px; }
.PASS { color: #137333; font-weight: bold; }
.FAIL { color: #b3261e; font-weight: bold; }
.INCONCLUSIVE { color: #b06000; font-weight: bold; }
.verdict { font-size: 56px; line-height: 1; margin: 0.2em 0; }
.advice { font-size: 20px; margin: 0 0 0.6em 0; }
ul.why li { margin: 0.3em 0; }
p.meta { color: #555; font-size: 13px; }
svg { border: 1px solid #ddd; background: #fff; }
svg text { font-size: 11px; fill: #333; }
rect.ok, .swatch.ok { fill: #34a853; background: #34a853; }
rect.fail, .swatch.fail { fill: #d93025; background: #d93025; }
rect.void, .swatch.void { fill: #9aa0a6; background: #9aa0a6; }
rect.fault, .swatch.fault { fill: #fbbc04; fill-opacity: 0.35; stroke: #f29900; background: rgba(251, 188, 4, 0.35); }
rect.recovering { fill: #fbbc04; fill-opacity: 0.12; }
line.rec { stroke: #1a73e8; stroke-width: 2; }
line.wd { stroke: #7b1fa2; stroke-width: 1; stroke-dasharray: 4 3; }
.swatch { display: inline-block; width: 14px; height: 10px; margin: 0 4px 0 12px; vertical-align: middle; }
.swatch.rec { width: 3px; background: #1a73e8; }
.swatch.wd { width: 0; border-left: 2px dashed #7b1fa2; }
p.legend { font-size: 13px; margin: 0.3em 0; }
</style>
</head>
<body>
<h1>Vigil SLO report: {{.R.Release}}</h1>
<p class="verdict {{.First.Verdict}}">{{.First.Verdict}}</p>
<p class="advice">{{.First.Advice}}.</p>
{{- if .First.Reasons}}
<ul class="why">
{{- range .First.Reasons}}
<li class="breach"><strong>{{.What}}</strong> in {{.Where}}: {{.Detail}}</li>
{{- end}}
{{- if .First.More}}
<li>… and {{.First.More}} more (see Breaches)</li>
{{- end}}
</ul>
{{- end}}
{{template "table" .First.Lines}}
<p class="meta"><code>{{.R.GitDescribe}}</code>, generated {{rfc3339 .R.Generated}}, schema {{.R.SchemaVersion}}. Objectives: recovery &lt; {{dur .R.Objectives.RecoveryMax}}; availability ≥ {{pct .R.Objectives.Availability}} (30-day projection); lost acknowledged writes ≤ {{.R.Objectives.MaxLost}}; no duplicate or unexpected write.</p>
<h2>Availability and writes</h2>
<table>
<tr><th>Scenario</th><th>Seed</th><th>Faults</th><th>Target</th><th>Availability (run)</th><th>Budget spent (run)</th><th>Projected 30 d</th><th>Faults/30 d the budget allows</th><th>Acked</th><th>Lost</th><th>Dup</th><th>Unexpected</th><th>Verdict</th></tr>
{{- range .Scenarios}}{{$s := .}}{{$set := setCells .Set}}
{{- range .Targets}}
<tr><td>{{$s.Name}}</td><td>{{$s.Seed}}</td><td>{{len $s.Faults}}</td><td>{{.Target}}</td><td>{{pct .Ratio}} ({{.Good}}/{{.Total}})</td><td>{{f1 .BudgetSpent}} %</td><td>{{pct .Projection.Availability}}</td><td>{{if lt .Projection.FaultsAllowed 0}}no limit{{else}}{{.Projection.FaultsAllowed}}{{end}}</td>{{range $set}}<td>{{.}}</td>{{end}}<td class="{{$s.Verdict}}">{{$s.Verdict}}</td></tr>
{{- end}}
{{- end}}
{{- $rv := releaseVerdict .R}}
<tr><th>release</th><td></td><td>{{.R.Aggregate.Faults}}</td><td>all</td><td>{{pct .R.Aggregate.Ratio}} raw, not judged</td><td>{{f1 .R.Aggregate.BudgetSpent}} %</td><td>{{pct .R.Aggregate.Projected}} ({{dur .R.Aggregate.Downtime30d}} per 30 d, {{f1 .R.Aggregate.ProjectedBudgetSpent}} % of budget)</td><td></td><td></td><td>{{.R.Aggregate.Lost}}</td><td>{{.R.Aggregate.Duplicates}}</td><td>{{.R.Aggregate.Unexpected}}</td><td class="{{$rv}}">{{$rv}}</td></tr>
</table>
<p>Release: recovery p95 {{dur .R.Aggregate.RecoveryP95}}, max {{dur .R.Aggregate.RecoveryMax}} over {{.R.Aggregate.Faults}} faults.</p>
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
<p class="legend"><span class="swatch ok"></span>probe ok<span class="swatch fail"></span>probe failed<span class="swatch void"></span>voided: harness stall, not judged<span class="swatch fault"></span>fault window<span class="swatch rec"></span>target recovered<span class="swatch wd"></span>watchdog said healthy</p>
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
<h3>Faults: per target in the radius</h3>
{{template "table" faultTable .ScenarioResult}}
{{- end}}
<h3>Harness</h3>
{{template "table" harnessTable .ScenarioResult}}
<h3>Collateral: failed probes charged to no fault</h3>
{{- if .Collateral}}
{{template "table" collateralTable .ScenarioResult}}
{{- else}}
<p>None.</p>
{{- end}}
{{- with .Set}}
<p>Writes: {{.Attempted}} attempted, {{.Acknowledged}} acknowledged, {{.Failed}} failed, {{.Unknown}} unknown, {{.Pending}} pending; read back {{.Present}} keys; lost {{len .Lost}}, duplicates {{len .Duplicates}}, unexpected {{len .Unexpected}}, failed yet present {{len .FailedPresent}}, recovered {{len .Recovered}}.</p>
{{- end}}
{{- end}}
</body>
</html>
`
