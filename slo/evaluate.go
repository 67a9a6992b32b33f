package slo

import (
	"fmt"
	"math"
	"sort"
	"time"
)

// Aggregate is the release-level roll-up of several scenario results.
type Aggregate struct {
	Scenarios int `json:"scenarios"`
	Faults    int `json:"faults"`
	// Good, Total and Ratio sum every probe of every target of every
	// scenario (Σgood / Σtotal). Chaos runs are dense with faults, so this
	// raw figure is shown but not judged.
	Good        int     `json:"good"`
	Total       int     `json:"total"`
	Ratio       float64 `json:"ratio"`
	BudgetSpent float64 `json:"budget_spent_pct"`
	// Downtime30d is the expected downtime in 30 days: the sum over fault
	// scenarios of their worst target's projected 30-day downtime, plus the
	// worst fault-free scenario's (steady-state) projected downtime once.
	Downtime30d          time.Duration `json:"downtime_30d_ns"`
	Projected            float64       `json:"projected_30d"` // 1 − Downtime30d / 30 days; judged
	ProjectedBudgetSpent float64       `json:"projected_budget_spent_pct"`
	// Recovery percentiles over every fault's worst-target recovery
	// (nearest rank; no-impact faults count as 0).
	RecoveryP50 time.Duration `json:"recovery_p50_ns"`
	RecoveryP95 time.Duration `json:"recovery_p95_ns"`
	RecoveryMax time.Duration `json:"recovery_max_ns"`
	Lost        int           `json:"lost"`
	Duplicates  int           `json:"duplicates"`
	Unexpected  int           `json:"unexpected"` // unexpected + failed-but-present
}

// Percentile returns the nearest-rank p-th percentile (0 < p <= 100) of ds,
// 0 for none.
func Percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	return s[min(max(rank, 1), len(s))-1]
}

// Recoveries returns the worst-target recovery of every fault in r.
func (r ScenarioResult) Recoveries() []time.Duration {
	out := make([]time.Duration, 0, len(r.Faults))
	for _, f := range r.Faults {
		out = append(out, f.Recovery)
	}
	return out
}

// AggregateOf rolls results up to release level against obj.
func AggregateOf(results []ScenarioResult, obj Objectives) Aggregate {
	a := Aggregate{Scenarios: len(results)}
	var recs []time.Duration
	var steady time.Duration
	for _, r := range results {
		a.Faults += len(r.Faults)
		recs = append(recs, r.Recoveries()...)
		var worst time.Duration
		for _, t := range r.Targets {
			a.Good += t.Good
			a.Total += t.Total
			worst = max(worst, t.Projection.Downtime30d)
		}
		if len(r.Faults) > 0 {
			a.Downtime30d += worst
		} else {
			steady = max(steady, worst)
		}
		if r.Set != nil {
			a.Lost += len(r.Set.Lost)
			a.Duplicates += len(r.Set.Duplicates)
			a.Unexpected += len(r.Set.Unexpected) + len(r.Set.FailedPresent)
		}
	}
	a.Downtime30d += steady
	a.Ratio = 1
	if a.Total > 0 {
		a.Ratio = float64(a.Good) / float64(a.Total)
	}
	a.BudgetSpent = BudgetSpent(a.Good, a.Total, obj.Availability)
	a.Projected = math.Max(1-float64(a.Downtime30d)/float64(Days30), 0)
	if budget := (1 - obj.Availability) * float64(Days30); budget > 0 {
		a.ProjectedBudgetSpent = float64(a.Downtime30d) / budget * 100
	}
	a.RecoveryP50 = Percentile(recs, 50)
	a.RecoveryP95 = Percentile(recs, 95)
	a.RecoveryMax = Percentile(recs, 100)
	return a
}

// Evaluate judges every scenario and the release aggregate against obj and
// returns every breach, in scenario order then release. The rules are in
// docs/slo.md: recovery per fault and target must be Recovered (or
// NoImpact) in less than RecoveryMax; each target's projected 30-day
// availability and the release's projected aggregate must reach
// Availability; lost writes must not exceed MaxLost; no duplicate and no
// unexpected write.
func Evaluate(obj Objectives, results []ScenarioResult) []Breach {
	out := []Breach{}
	for _, r := range results {
		out = append(out, evalRecovery(obj, r)...)
		out = append(out, evalAvailability(obj, r)...)
		out = append(out, evalSet(obj, r)...)
	}
	a := AggregateOf(results, obj)
	if a.Projected < obj.Availability {
		out = append(out, Breach{
			Scenario: ReleaseScenario, SLO: SLOAvailability,
			Got: fmt.Sprintf("%s projected over 30 days (%v expected downtime; raw %s over %d probes)",
				Pct(a.Projected), Dur(a.Downtime30d), Pct(a.Ratio), a.Total),
			Want: "≥ " + Pct(obj.Availability),
		})
	}
	return out
}

func evalRecovery(obj Objectives, r ScenarioResult) []Breach {
	var out []Breach
	for _, f := range r.Faults {
		bound := obj.RecoveryMax
		if f.RecoveryMax > 0 && f.RecoveryMax < bound {
			bound = f.RecoveryMax
		}
		for _, rec := range f.Recoveries {
			b := Breach{Scenario: r.Name, Fault: f.Name, Target: rec.Target, SLO: SLORecovery, Want: "< " + Dur(bound)}
			switch {
			case rec.Status == NoData:
				b.Got = "no probe after injection (prober stopped?)"
			case rec.Status == NotRecovered:
				b.Got = fmt.Sprintf("not recovered (%d good probes in a row never seen within %v)", r.K, Dur(rec.Duration))
			case rec.Duration >= bound:
				b.Got = Dur(rec.Duration)
			default:
				continue
			}
			out = append(out, b)
		}
	}
	return out
}

func evalAvailability(obj Objectives, r ScenarioResult) []Breach {
	var out []Breach
	for _, t := range r.Targets {
		p := t.Projection
		if t.Total == 0 {
			out = append(out, Breach{Scenario: r.Name, Fault: r.faultNames(), Target: t.Target, SLO: SLOAvailability,
				Got: "no probe in the measured window (was the prober running?)", Want: "≥ " + Pct(obj.Availability)})
			continue
		}
		if p.Availability >= obj.Availability {
			continue
		}
		got := fmt.Sprintf("%s projected over 30 days (run %s, %d/%d probes good", Pct(p.Availability), Pct(t.Ratio), t.Good, t.Total)
		if len(r.Faults) > 0 {
			got += fmt.Sprintf("; %v downtime per fault × %g faults per 30 days", Dur(p.DowntimePerFault), p.FaultsPer30Days)
		}
		out = append(out, Breach{
			Scenario: r.Name, Fault: r.faultNames(), Target: t.Target, SLO: SLOAvailability,
			Got: got + ")", Want: "≥ " + Pct(obj.Availability),
		})
	}
	return out
}

func evalSet(obj Objectives, r ScenarioResult) []Breach {
	s := r.Set
	if s == nil {
		return nil
	}
	var out []Breach
	b := func(slo, got, want string) {
		out = append(out, Breach{Scenario: r.Name, Fault: r.faultNames(), SLO: slo, Got: got, Want: want})
	}
	if len(s.Lost) > obj.MaxLost {
		b(SLOLostWrites, fmt.Sprintf("%d of %d acknowledged writes lost (first: %s)", len(s.Lost), s.Acknowledged, s.Lost[0]),
			fmt.Sprintf("≤ %d", obj.MaxLost))
	}
	if len(s.Duplicates) > 0 {
		b(SLODuplicates, fmt.Sprintf("%d keys stored more than once (e.g. %s)", len(s.Duplicates), firstKey(s.Duplicates)), "0")
	}
	if n := len(s.Unexpected) + len(s.FailedPresent); n > 0 {
		b(SLOUnexpected, fmt.Sprintf("%d never attempted, %d definitely failed yet present", len(s.Unexpected), len(s.FailedPresent)), "0")
	}
	return out
}

func firstKey(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		return ""
	}
	return fmt.Sprintf("%s×%d", keys[0], m[keys[0]])
}

// Pct formats a ratio as a percentage with four decimals ("99.9000%").
func Pct(r float64) string { return fmt.Sprintf("%.4f%%", r*100) }

// Dur formats a duration rounded to the millisecond.
func Dur(d time.Duration) string { return d.Round(time.Millisecond).String() }
