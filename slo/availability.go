package slo

import (
	"math"
	"time"
)

// Days30 is the period availability objectives are stated over.
const Days30 = 30 * 24 * time.Hour

// DefaultFaultsPer30Days is the assumed real-world rate of a scenario's
// fault when the scenario does not state one.
const DefaultFaultsPer30Days = 1.0

// Availability is the share of good probes of one target over a window.
type Availability struct {
	Target string        `json:"target"`
	Good   int           `json:"good"`
	Total  int           `json:"total"`
	Ratio  float64       `json:"ratio"`     // Good/Total; 1 when Total is 0
	Window time.Duration `json:"window_ns"` // length of the measured window
	// Downtime is Window × (Total−Good)/Total: each probe stands for an
	// equal share of the window.
	Downtime time.Duration `json:"downtime_ns"`
}

// MeasureAvailability counts tl's probes with from <= Time < to, voided
// ones (harness stalls) left out. A zero from or to is taken from the first
// or last probe.
func MeasureAvailability(tl Timeline, from, to time.Time) Availability {
	ps := judged(tl.between(from, to))
	a := Availability{Target: tl.Target, Total: len(ps), Ratio: 1}
	for _, p := range ps {
		if p.OK {
			a.Good++
		}
	}
	if from.IsZero() && len(ps) > 0 {
		from = ps[0].Time
	}
	if to.IsZero() && len(ps) > 0 {
		to = ps[len(ps)-1].Time
	}
	if to.After(from) {
		a.Window = to.Sub(from)
	}
	if a.Total > 0 {
		a.Ratio = float64(a.Good) / float64(a.Total)
		a.Downtime = time.Duration(float64(a.Window) * float64(a.Total-a.Good) / float64(a.Total))
	}
	return a
}

// BudgetSpent is the percentage of the error budget for objective (e.g.
// 0.999) that good out of total used: bad / ((1−objective) × total) × 100.
// 100 means exactly on the objective; above 100 is a breach at this ratio.
func BudgetSpent(good, total int, objective float64) float64 {
	if total == 0 || objective >= 1 {
		return 0
	}
	return float64(total-good) / ((1 - objective) * float64(total)) * 100
}

// Projection extrapolates one run's downtime to 30 days of production, in
// which the scenario's fault happens FaultsPer30Days times.
type Projection struct {
	FaultsPer30Days float64 `json:"faults_per_30d"`
	// DowntimePerFault is the run's Downtime divided by its number of
	// faults; 0 for a fault-free run.
	DowntimePerFault time.Duration `json:"downtime_per_fault_ns"`
	// Downtime30d is DowntimePerFault × FaultsPer30Days; for a fault-free
	// run, (1 − run ratio) × 30 days.
	Downtime30d  time.Duration `json:"downtime_30d_ns"`
	Availability float64       `json:"availability"`     // 1 − Downtime30d / 30 days
	BudgetSpent  float64       `json:"budget_spent_pct"` // Downtime30d / ((1−objective) × 30 days) × 100
	// FaultsAllowed is how many such faults per 30 days the error budget
	// absorbs: floor(budget / DowntimePerFault); −1 when a fault costs no
	// downtime (no limit).
	FaultsAllowed int `json:"faults_allowed_30d"`
}

// Project extrapolates a to 30 days: the run's downtime per fault, times how
// often the fault is expected per 30 days (faultsPer30Days; default 1). The
// run's own rate is not used: it is compressed (a fault every couple of
// minutes) and would just reproduce the run's ratio.
func Project(a Availability, faults int, faultsPer30Days, objective float64) Projection {
	if faultsPer30Days <= 0 {
		faultsPer30Days = DefaultFaultsPer30Days
	}
	p := Projection{FaultsPer30Days: faultsPer30Days, FaultsAllowed: -1}
	budget := time.Duration((1 - objective) * float64(Days30))
	if faults > 0 {
		p.DowntimePerFault = a.Downtime / time.Duration(faults)
		p.Downtime30d = time.Duration(float64(p.DowntimePerFault) * faultsPer30Days)
		if p.DowntimePerFault > 0 {
			p.FaultsAllowed = int(budget / p.DowntimePerFault)
		}
	} else {
		p.Downtime30d = time.Duration((1 - a.Ratio) * float64(Days30))
	}
	p.Availability = 1 - float64(p.Downtime30d)/float64(Days30)
	if budget > 0 {
		p.BudgetSpent = float64(p.Downtime30d) / float64(budget) * 100
	}
	p.Availability = math.Max(p.Availability, 0)
	return p
}
