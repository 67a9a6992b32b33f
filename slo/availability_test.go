package slo

import (
	"math"
	"testing"
	"time"
)

func TestMeasureAvailability(t *testing.T) {
	step := 100 * time.Millisecond
	tests := []struct {
		name        string
		pattern     string
		from, to    time.Time
		good, total int
		downtime    time.Duration
	}{
		{name: "all good", pattern: "GGGGGGGGGGG", good: 11, total: 11},
		{name: "window bounds are half-open", pattern: "BGGGGGGGGGB", from: t0.Add(step), to: t0.Add(10 * step), good: 9, total: 9},
		{name: "99.8 percent", pattern: repeat("G", 998) + "BB", from: t0, to: t0.Add(1000 * step), good: 998, total: 1000, downtime: 200 * time.Millisecond},
		{name: "empty", pattern: "", good: 0, total: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := MeasureAvailability(timeline("api", t0, step, tc.pattern), tc.from, tc.to)
			if a.Good != tc.good || a.Total != tc.total || a.Downtime != tc.downtime {
				t.Errorf("MeasureAvailability = %d/%d downtime %v, want %d/%d downtime %v", a.Good, a.Total, a.Downtime, tc.good, tc.total, tc.downtime)
			}
		})
	}
}

func TestBudgetSpent(t *testing.T) {
	tests := []struct {
		good, total int
		objective   float64
		want        float64
	}{
		{good: 1000, total: 1000, objective: 0.999, want: 0},
		{good: 999, total: 1000, objective: 0.999, want: 100},
		{good: 998, total: 1000, objective: 0.999, want: 200},
		{good: 0, total: 0, objective: 0.999, want: 0},
	}
	for _, tc := range tests {
		if got := BudgetSpent(tc.good, tc.total, tc.objective); math.Abs(got-tc.want) > 1e-6 {
			t.Errorf("BudgetSpent(%d, %d, %v) = %v, want %v", tc.good, tc.total, tc.objective, got, tc.want)
		}
	}
}

func TestProject(t *testing.T) {
	tests := []struct {
		name         string
		a            Availability
		faults       int
		rate         float64
		downtime30d  time.Duration
		availability float64
		allowed      int
	}{
		{
			// A 30 s outage in a 2-minute run is 75 % for the run, but
			// once a month it is 99.9988 %: 86 such faults fit the budget.
			name: "30s outage once a month", a: Availability{Good: 900, Total: 1200, Ratio: 0.75, Window: 2 * time.Minute, Downtime: 30 * time.Second},
			faults: 1, rate: 1, downtime30d: 30 * time.Second, availability: 1 - 30.0/2592000, allowed: 86,
		},
		{
			name: "two faults split the downtime", a: Availability{Good: 900, Total: 1200, Ratio: 0.75, Window: 2 * time.Minute, Downtime: 30 * time.Second},
			faults: 2, rate: 10, downtime30d: 150 * time.Second, availability: 1 - 150.0/2592000, allowed: 172,
		},
		{
			name: "fault-free run projects its own ratio", a: Availability{Good: 998, Total: 1000, Ratio: 0.998, Window: 100 * time.Second, Downtime: 200 * time.Millisecond},
			faults: 0, rate: 1, downtime30d: time.Duration(0.002 * float64(Days30)), availability: 0.998, allowed: -1,
		},
		{
			name: "no downtime means no limit", a: Availability{Good: 10, Total: 10, Ratio: 1, Window: time.Second},
			faults: 1, rate: 1, availability: 1, allowed: -1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := Project(tc.a, tc.faults, tc.rate, 0.999)
			if d := p.Downtime30d - tc.downtime30d; d < -time.Millisecond || d > time.Millisecond {
				t.Errorf("Downtime30d = %v, want %v", p.Downtime30d, tc.downtime30d)
			}
			if math.Abs(p.Availability-tc.availability) > 1e-9 || p.FaultsAllowed != tc.allowed {
				t.Errorf("Project = %v allowed %d, want %v allowed %d", p.Availability, p.FaultsAllowed, tc.availability, tc.allowed)
			}
		})
	}
}
