// Package report renders slo results for people and machines: JSON (the
// source of truth, schema in docs/slo.md), Markdown for PRs and release
// notes, a self-contained offline HTML page with an SVG timeline, and JUnit
// XML for CI. It also diffs two reports for regressions.
package report

import (
	"time"

	"github.com/vigilhq/vigil/slo"
)

// SchemaVersion is the version of the JSON report schema in docs/slo.md.
// Bump it on any incompatible change.
const SchemaVersion = 1

// DefaultMaxPoints caps the probes kept per target timeline in a report.
const DefaultMaxPoints = 2000

// Report is one chaos suite run: its scenarios' figures, the release
// aggregate and every breach. Build it with New.
type Report struct {
	SchemaVersion int                  `json:"schema_version"`
	Release       string               `json:"release"`
	GitDescribe   string               `json:"git_describe"`
	Generated     time.Time            `json:"generated"`
	Objectives    slo.Objectives       `json:"objectives"`
	Seeds         map[string]int64     `json:"seeds"` // scenario name → seed
	Scenarios     []slo.ScenarioResult `json:"scenarios"`
	Aggregate     slo.Aggregate        `json:"aggregate"`
	Breaches      []slo.Breach         `json:"breaches"`
	// Inconclusive lists, per scenario, why it cannot be judged (too many
	// probe ticks voided by harness stalls): not a breach, not a pass.
	Inconclusive []Inconclusive `json:"inconclusive"`
	Passed       bool           `json:"passed"` // no breach and nothing inconclusive
	// Verdict is PASS, FAIL (a breach) or INCONCLUSIVE (no breach, but a
	// scenario could not be judged).
	Verdict string `json:"verdict"`
}

// Inconclusive is one scenario that could not be judged.
type Inconclusive struct {
	Scenario string `json:"scenario"`
	Reason   string `json:"reason"`
}

// Verdicts of a report.
const (
	VerdictPass         = "PASS"
	VerdictFail         = "FAIL"
	VerdictInconclusive = "INCONCLUSIVE"
)

// Meta identifies a report.
type Meta struct {
	Release     string    // e.g. "v0.4.0"
	GitDescribe string    // output of git describe --always --dirty
	Generated   time.Time // when the report was made (injected clock)
	// MaxPoints caps each timeline's points (default DefaultMaxPoints);
	// figures are computed before downsampling.
	MaxPoints int
}

// New judges results against obj and builds the report. Timelines are
// downsampled to meta.MaxPoints after every figure has been computed from
// the raw probes.
func New(meta Meta, obj slo.Objectives, results []slo.ScenarioResult) Report {
	if meta.MaxPoints <= 0 {
		meta.MaxPoints = DefaultMaxPoints
	}
	r := Report{
		SchemaVersion: SchemaVersion,
		Release:       meta.Release,
		GitDescribe:   meta.GitDescribe,
		Generated:     meta.Generated,
		Objectives:    obj,
		Seeds:         map[string]int64{},
		Scenarios:     make([]slo.ScenarioResult, 0, len(results)),
		Aggregate:     slo.AggregateOf(results, obj),
		Breaches:      slo.Evaluate(obj, results),
		Inconclusive:  []Inconclusive{},
	}
	for _, s := range results {
		if why := s.Inconclusive(); why != "" {
			r.Inconclusive = append(r.Inconclusive, Inconclusive{Scenario: s.Name, Reason: why})
		}
	}
	r.Judge()
	for _, s := range results {
		r.Seeds[s.Name] = s.Seed
		tls := make([]slo.Timeline, 0, len(s.Timelines))
		for _, tl := range s.Timelines {
			tls = append(tls, tl.Downsample(meta.MaxPoints))
		}
		s.Timelines = tls
		r.Scenarios = append(r.Scenarios, s)
	}
	return r
}

// Judge sets Passed and Verdict from Breaches and Inconclusive; call it
// again after adding breaches.
func (r *Report) Judge() {
	r.Passed = len(r.Breaches) == 0 && len(r.Inconclusive) == 0
	switch {
	case len(r.Breaches) > 0:
		r.Verdict = VerdictFail
	case len(r.Inconclusive) > 0:
		r.Verdict = VerdictInconclusive
	default:
		r.Verdict = VerdictPass
	}
}

// breachesFor returns the breaches of scenario and slo.
func (r Report) breachesFor(scenario, sloName string) []slo.Breach {
	var out []slo.Breach
	for _, b := range r.Breaches {
		if b.Scenario == scenario && b.SLO == sloName {
			out = append(out, b)
		}
	}
	return out
}
