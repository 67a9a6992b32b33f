package slo

import (
	"strings"
	"testing"
	"time"
)

// outage builds a scenario input of one target probed every 100ms for total
// probes, with one fault injected at probe 100 that takes down probes
// [100, 100+down).
func outage(name string, total, down int) ScenarioInput {
	step := 100 * time.Millisecond
	pattern := repeat("G", 100) + repeat("B", down) + repeat("G", total-100-down)
	return ScenarioInput{
		Name: name, Seed: 1, Start: t0, End: t0.Add(time.Duration(total) * step), ProbeInterval: step,
		Timelines: []Timeline{timeline("api", t0, step, pattern)},
		Faults:    []Window{{Name: "kill-pg", Injected: t0.Add(100 * step), Reverted: t0.Add(101 * step)}},
	}
}

func TestEvaluate(t *testing.T) {
	obj := DefaultObjectives()
	acked := func(lost, dups bool) *SetResult {
		l := NewLedger()
		present := map[string]int{}
		for _, k := range []string{"a", "b", "c"} {
			l.Attempt(k)
			l.Ack(k, "1")
			present[k] = 1
		}
		if lost {
			delete(present, "b")
		}
		if dups {
			present["c"] = 2
		}
		r := Check(l, present)
		return &r
	}
	steady := func(pattern string) ScenarioInput {
		return ScenarioInput{Name: "steady", Timelines: []Timeline{timeline("api", t0, 100*time.Millisecond, pattern)}}
	}
	tests := []struct {
		name string
		in   []ScenarioInput
		want []string // "scenario/slo" of every breach, in order
	}{
		{name: "29.9s recovery passes", in: []ScenarioInput{outage("pg", 1200, 299)}},
		{name: "30s outage in a 2-minute run passes on projection", in: []ScenarioInput{outage("pg", 1200, 250)}},
		{name: "31s recovery", in: []ScenarioInput{outage("pg", 1200, 310)}, want: []string{"pg/recovery"}},
		{name: "never recovers", in: []ScenarioInput{outage("pg", 400, 300)}, want: []string{"pg/recovery"}},
		{name: "99.8% steady state", in: []ScenarioInput{steady(repeat("G", 998) + "BB")}, want: []string{"steady/availability", "release/availability"}},
		{name: "no probes is no evidence", in: []ScenarioInput{{Name: "blind", Timelines: []Timeline{{Target: "api"}}}}, want: []string{"blind/availability"}},
		{name: "99.9% steady state passes", in: []ScenarioInput{steady(repeat("G", 999) + "B")}},
		{name: "lost write", in: []ScenarioInput{func() ScenarioInput { s := outage("pg", 1200, 10); s.Set = acked(true, false); return s }()}, want: []string{"pg/lost-writes"}},
		{name: "duplicate write", in: []ScenarioInput{func() ScenarioInput { s := outage("pg", 1200, 10); s.Set = acked(false, true); return s }()}, want: []string{"pg/duplicate-writes"}},
		{
			// 25 s per fault at 60 faults a month is 25 min of the 43.2 min
			// budget: fine alone; two such scenarios exceed it together.
			name: "release aggregate breaches when each scenario passes",
			in: func() []ScenarioInput {
				a, b := outage("a", 1200, 250), outage("b", 1200, 250)
				a.FaultsPer30Days, b.FaultsPer30Days = 60, 60
				return []ScenarioInput{a, b}
			}(),
			want: []string{"release/availability"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var rs []ScenarioResult
			for _, in := range tc.in {
				rs = append(rs, Analyze(in, obj))
			}
			var got []string
			for _, b := range Evaluate(obj, rs) {
				got = append(got, b.Scenario+"/"+b.SLO)
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("Evaluate = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestBreachMessageNamesScenarioFaultAndSLO(t *testing.T) {
	r := Analyze(outage("pg-kill", 1200, 310), DefaultObjectives())
	bs := Evaluate(DefaultObjectives(), []ScenarioResult{r})
	if len(bs) != 1 {
		t.Fatalf("Evaluate = %v, want one breach", bs)
	}
	msg := bs[0].String()
	for _, want := range []string{`scenario "pg-kill"`, `fault "kill-pg"`, `target "api"`, "recovery breached", "got 31s", "want < 30s"} {
		if !strings.Contains(msg, want) {
			t.Errorf("Breach.String() = %q, want it to contain %q", msg, want)
		}
	}
}

func TestAnalyzeFigures(t *testing.T) {
	in := outage("pg", 1200, 250)
	in.Faults[0].WatchdogHealthy = in.Faults[0].Injected.Add(20 * time.Second)
	r := Analyze(in, DefaultObjectives())
	if len(r.Faults) != 1 || r.Faults[0].Recovery != 25*time.Second || r.Faults[0].Status != Recovered {
		t.Fatalf("fault = %+v, want recovered in 25s", r.Faults)
	}
	if r.Faults[0].WatchdogRecovery != 20*time.Second {
		t.Errorf("WatchdogRecovery = %v, want 20s", r.Faults[0].WatchdogRecovery)
	}
	tr := r.Targets[0]
	if tr.Good != 950 || tr.Total != 1200 || tr.Downtime != 25*time.Second {
		t.Errorf("availability = %d/%d downtime %v, want 950/1200 25s", tr.Good, tr.Total, tr.Downtime)
	}
	a := AggregateOf([]ScenarioResult{r, Analyze(outage("other", 1200, 0), DefaultObjectives())}, DefaultObjectives())
	if a.Good != 2150 || a.Total != 2400 || a.Faults != 2 || a.RecoveryMax != 25*time.Second || a.RecoveryP50 != 0 {
		t.Errorf("AggregateOf = %+v, want 2150/2400, 2 faults, max 25s, p50 0", a)
	}
	if a.Downtime30d != 25*time.Second {
		t.Errorf("Downtime30d = %v, want 25s (one fault a month at 25s; the no-impact scenario adds 0)", a.Downtime30d)
	}
}

func TestPercentile(t *testing.T) {
	ds := []time.Duration{5, 1, 4, 2, 3, 6, 7, 8, 9, 10}
	for _, tc := range []struct {
		p    float64
		want time.Duration
	}{{50, 5}, {95, 10}, {100, 10}, {10, 1}, {1, 1}} {
		if got := Percentile(ds, tc.p); got != tc.want {
			t.Errorf("Percentile(%v) = %v, want %v", tc.p, got, tc.want)
		}
	}
	if Percentile(nil, 95) != 0 {
		t.Error("Percentile(nil) != 0")
	}
}
