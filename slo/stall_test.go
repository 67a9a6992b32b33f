package slo

import (
	"testing"
	"time"
)

const step = 100 * time.Millisecond

// ticked builds a timeline whose probes sit on ticks every step from t0:
// 'G' good, 'B' bad, 'L' good but sent 60 ms after its tick (late).
func ticked(target, pattern string) Timeline {
	tl := Timeline{Target: target}
	for i, c := range pattern {
		tick := t0.Add(time.Duration(i) * step)
		p := Probe{Time: tick, Tick: tick, OK: c != 'B'}
		if c == 'L' {
			p.Time = tick.Add(60 * time.Millisecond)
		}
		if !p.OK {
			p.Err = "timeout"
		}
		tl.Probes = append(tl.Probes, p)
	}
	return tl
}

// ticks returns n ticks every step from t0.
func ticks(n int) []time.Time {
	out := make([]time.Time, n)
	for i := range out {
		out[i] = t0.Add(time.Duration(i) * step)
	}
	return out
}

func TestMarkStalls(t *testing.T) {
	tests := []struct {
		name         string
		target       string
		control      string // "" for no control
		ticks        []time.Time
		wantVoid     string // per probe of target: 'v' voided, '.' judged
		wantHarness  Harness
		inconclusive bool
	}{
		{
			name: "a failed control voids its tick on every target", target: "GGBGG", control: "GGBGG", ticks: ticks(5),
			wantVoid: "..v..", wantHarness: Harness{Ticks: 5, Voided: 1, ControlFailed: 1}, inconclusive: true,
		},
		{
			name: "a target failure with a good control stays judged", target: "GGBGG" + repeat("G", 95), control: repeat("G", 100), ticks: ticks(100),
			wantVoid: repeat(".", 100), wantHarness: Harness{Ticks: 100},
		},
		{
			name: "a late probe voids its tick", target: "GGLGG" + repeat("G", 95), control: repeat("G", 100), ticks: ticks(100),
			wantVoid: "..v.." + repeat(".", 95), wantHarness: Harness{Ticks: 100, Voided: 1, Late: 1},
		},
		{
			name: "a late control voids the tick too", target: repeat("G", 100), control: "GLG" + repeat("G", 97), ticks: ticks(100),
			wantVoid: ".v." + repeat(".", 97), wantHarness: Harness{Ticks: 100, Voided: 1, Late: 1},
		},
		{
			name: "ticks the prober never dispatched are missed", target: repeat("G", 100), ticks: append(ticks(50), ticks(100)[53:]...),
			wantVoid: repeat(".", 100), wantHarness: Harness{Ticks: 100, Voided: 3, Missed: 3},
		},
		{
			name: "more voided than the share is inconclusive", target: repeat("G", 100), control: repeat("B", 6) + repeat("G", 94), ticks: ticks(100),
			wantVoid: repeat("v", 6) + repeat(".", 94), wantHarness: Harness{Ticks: 100, Voided: 6, ControlFailed: 6}, inconclusive: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := StallInput{Timelines: []Timeline{ticked("api", tc.target)}, Ticks: tc.ticks, Interval: step}
			if tc.control != "" {
				c := ticked("control", tc.control)
				in.Control = &c
			}
			tls, h := MarkStalls(in)
			got := ""
			for _, p := range tls[0].Probes {
				if p.Void != "" {
					got += "v"
				} else {
					got += "."
				}
			}
			if got != tc.wantVoid {
				t.Errorf("voided = %s, want %s", got, tc.wantVoid)
			}
			h.Bound, h.MaxVoidShare = 0, 0
			if (h.Inconclusive != "") != tc.inconclusive {
				t.Errorf("Inconclusive = %q, want inconclusive %v", h.Inconclusive, tc.inconclusive)
			}
			h.Inconclusive = ""
			if h != tc.wantHarness {
				t.Errorf("harness = %+v, want %+v", h, tc.wantHarness)
			}
			for _, p := range in.Timelines[0].Probes {
				if p.Void != "" {
					t.Fatal("MarkStalls changed its input")
				}
			}
		})
	}
}

// TestHarnessStallIsNotChargedToTheFault is the game-day case: every API
// failed on one tick, seconds after the kill, because the machine was busy.
// The control failed on the same tick, so the tick is voided: no recovery is
// charged and availability is whole.
func TestHarnessStallIsNotChargedToTheFault(t *testing.T) {
	pattern := repeat("G", 80) + "B" + repeat("G", 119)
	c := ticked("control", pattern)
	in := ScenarioInput{
		Name: "kill", Start: t0, End: t0.Add(200 * step), ProbeInterval: step,
		Timelines: []Timeline{ticked("pgapi", pattern), ticked("bankapi", pattern)},
		Control:   &c, Ticks: ticks(200),
		Faults: []Window{{Name: "kill-bankapi", Injected: t0.Add(50 * step), Radius: []string{"bankapi"}}},
	}
	r := Analyze(in, DefaultObjectives())
	if got := r.Faults[0]; got.Status != NoImpact || got.Recovery != 0 {
		t.Errorf("fault = %v after %v, want no_impact", got.Status, got.Recovery)
	}
	for _, tr := range r.Targets {
		if tr.Good != tr.Total || tr.Total != 199 {
			t.Errorf("%s availability %d/%d, want 199/199 (the stalled tick voided)", tr.Target, tr.Good, tr.Total)
		}
	}
	if r.Harness.Voided != 1 || r.Inconclusive() != "" || len(r.Collateral) != 0 {
		t.Errorf("harness %+v, collateral %+v: want 1 voided tick, conclusive, no collateral", r.Harness, r.Collateral)
	}
}

// TestFailureOutsideTheRadiusIsCollateral: killing reconapi must not be
// charged with pgapi's failures; they are listed as collateral.
func TestFailureOutsideTheRadiusIsCollateral(t *testing.T) {
	in := ScenarioInput{
		Name: "kill-reconapi", Start: t0, End: t0.Add(200 * step), ProbeInterval: step,
		Timelines: []Timeline{
			ticked("pgapi", repeat("G", 60)+repeat("B", 5)+repeat("G", 135)),
			ticked("reconapi", repeat("G", 52)+repeat("B", 3)+repeat("G", 145)),
		},
		Ticks:  ticks(200),
		Faults: []Window{{Name: "kill-reconapi", Injected: t0.Add(50 * step), Radius: []string{"reconapi"}}},
	}
	r := Analyze(in, DefaultObjectives())
	f := r.Faults[0]
	if len(f.Recoveries) != 1 || f.Recoveries[0].Target != "reconapi" {
		t.Fatalf("recoveries = %+v, want reconapi's only", f.Recoveries)
	}
	if got, want := f.Recovery, 5*step; got != want {
		t.Errorf("recovery = %v, want %v (reconapi's, not pgapi's)", got, want)
	}
	if f.Recoveries[0].FailedProbes != 3 {
		t.Errorf("failed probes charged = %d, want 3", f.Recoveries[0].FailedProbes)
	}
	want := []Collateral{{Target: "pgapi", FailedProbes: 5, First: t0.Add(60 * step), Last: t0.Add(64 * step)}}
	if len(r.Collateral) != 1 || r.Collateral[0] != want[0] {
		t.Errorf("collateral = %+v, want %+v", r.Collateral, want)
	}
}

// TestFlappingTargetStaysUnrecoveredUntilKGoodProbes: good probes shorter
// than the streak, even around a voided tick, do not end the recovery.
func TestFlappingTargetStaysUnrecoveredUntilKGoodProbes(t *testing.T) {
	target := repeat("G", 10) + "BBGGBGBGG" + "G" + "G" + repeat("G", 20)
	control := repeat("G", 18) + "B" + repeat("G", 22) // tick 18 voided
	c := ticked("control", control)
	in := ScenarioInput{
		Name: "flap", Start: t0, End: t0.Add(41 * step), ProbeInterval: step,
		Timelines: []Timeline{ticked("api", target)}, Control: &c, Ticks: ticks(41),
		Faults: []Window{{Name: "freeze", Injected: t0.Add(10 * step)}},
	}
	r := Analyze(in, DefaultObjectives())
	rec := r.Faults[0].Recoveries[0]
	// Fails at 10, 11, 14 and 16; good at 17, voided at 18, good at 19:
	// the voided tick neither breaks nor extends the streak 17, 19, 20.
	if rec.Status != Recovered || !rec.RecoveredAt.Equal(t0.Add(17*step)) || rec.FailedProbes != 4 {
		t.Errorf("recovery = %+v, want recovered at tick 17 after 4 failed probes", rec)
	}
}

// TestRepeatedFaultOwnsItsWholeLoop: the failures of a crash loop before its
// last repetition are the fault's, not collateral.
func TestRepeatedFaultOwnsItsWholeLoop(t *testing.T) {
	in := ScenarioInput{
		Name: "crash-loop", Start: t0, End: t0.Add(200 * step), ProbeInterval: step,
		Timelines: []Timeline{ticked("pgapi", repeat("G", 50)+repeat("BG", 40)+repeat("B", 10)+repeat("G", 60))},
		Ticks:     ticks(200),
		Faults: []Window{{Name: "loop", First: t0.Add(50 * step), Injected: t0.Add(130 * step),
			Reverted: t0.Add(130 * step), Radius: []string{"pgapi"}}},
	}
	r := Analyze(in, DefaultObjectives())
	if len(r.Collateral) != 0 {
		t.Errorf("collateral = %+v, want none: the loop's failures are its own", r.Collateral)
	}
	if rec := r.Faults[0].Recoveries[0]; rec.Status != Recovered || rec.FailedProbes != 10 {
		t.Errorf("recovery = %+v, want recovered after the last 10 failures", rec)
	}
}
