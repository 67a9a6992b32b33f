package slo

import (
	"testing"
	"time"
)

// TestLateBlipIsNotTheFaultsRecovery pins a flake found by the chaos suite:
// a single failed probe 11 s after a fault that caused no failure was
// reported as an 11 s recovery (and 13 s after kill-pgapi, charged to
// reconapi, under make mutants).
func TestLateBlipIsNotTheFaultsRecovery(t *testing.T) {
	t0 := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	var probes []Probe
	for i := 0; i < 200; i++ { // 20 s at 100 ms
		at := t0.Add(time.Duration(i) * 100 * time.Millisecond)
		probes = append(probes, Probe{Time: at, OK: i != 110, Status: 200})
	}
	in := ScenarioInput{
		Name: "kill-pgapi", Seed: 1, Start: t0, End: t0.Add(20 * time.Second), ProbeInterval: 100 * time.Millisecond,
		Timelines: []Timeline{{Target: "pgapi", Probes: probes}},
		Faults:    []Window{{Name: "kill", Injected: t0, Reverted: t0}},
	}
	res := Analyze(in, Objectives{RecoveryMax: 30 * time.Second, Availability: 0.9, MaxLost: 0})
	if got := res.Faults[0].Recoveries[0].Status; got != NoImpact {
		t.Fatalf("recovery status = %v, want no impact (the blip at 11 s starts past the 5 s onset bound)", got)
	}
	if c := res.Collateral; len(c) != 1 || c[0].FailedProbes != 1 {
		t.Fatalf("collateral = %+v, want the blip listed", c)
	}
	in.Onset = 15 * time.Second
	res = Analyze(in, Objectives{RecoveryMax: 30 * time.Second, Availability: 0.9, MaxLost: 0})
	if got := res.Faults[0].Recoveries[0]; got.Status != Recovered || got.Duration < 11*time.Second {
		t.Fatalf("with a 15 s onset bound the blip is attributed: %+v", got)
	}
}
