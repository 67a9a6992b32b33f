package slo

import (
	"fmt"
	"slices"
	"time"
)

// DefaultRecoveryStreak is how many consecutive good probes mark recovery.
const DefaultRecoveryStreak = 3

// Window is one injected fault: when it went in and when it was reverted.
type Window struct {
	Name     string    `json:"name"`
	Injected time.Time `json:"injected"`
	Reverted time.Time `json:"reverted,omitzero"` // zero: never reverted (e.g. a kill)
	// WatchdogHealthy is when the watchdog itself reported the service
	// healthy again (optional). It is reported next to the user-visible
	// recovery but is not what the recovery SLO is judged on.
	WatchdogHealthy time.Time `json:"watchdog_healthy,omitzero"`
	// Radius is the fault's blast radius: the targets it can reach (the
	// service it hits and those that depend on it or on the link). A
	// failure is charged to the fault only on these; failures elsewhere
	// are collateral. nil means every target; empty, none.
	Radius []string `json:"radius"`
	// First is a repeated fault's first injection (zero otherwise):
	// Injected is its last, which recovery is measured from, but every
	// failure since First on a target in its radius is the fault's, not
	// collateral.
	First time.Time `json:"first,omitzero"`
	// RecoveryMax, when set, bounds this fault's recovery more tightly
	// than the objective (Evaluate judges against the smaller).
	RecoveryMax time.Duration `json:"recovery_max_ns,omitempty"`
}

// Reaches reports whether target is inside w's blast radius.
func (w Window) Reaches(target string) bool {
	return w.Radius == nil || slices.Contains(w.Radius, target)
}

// RecoveryStatus classifies how a target came through a fault.
type RecoveryStatus int

// Recovery statuses, from best to worst.
const (
	NoImpact     RecoveryStatus = iota // no failed probe after injection
	Recovered                          // failed, then K consecutive good probes
	NotRecovered                       // failed and never got K good probes in a row
	NoData                             // no probe at all after injection
)

var recoveryStatusNames = [...]string{"no_impact", "recovered", "not_recovered", "no_data"}

// String returns the stable snake_case name used in reports.
func (s RecoveryStatus) String() string {
	if s < 0 || int(s) >= len(recoveryStatusNames) {
		return fmt.Sprintf("RecoveryStatus(%d)", int(s))
	}
	return recoveryStatusNames[s]
}

// MarshalText encodes s as its name.
func (s RecoveryStatus) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText decodes a name written by MarshalText.
func (s *RecoveryStatus) UnmarshalText(b []byte) error {
	for i, n := range recoveryStatusNames {
		if n == string(b) {
			*s = RecoveryStatus(i)
			return nil
		}
	}
	return fmt.Errorf("unknown recovery status %q (want one of %v)", b, recoveryStatusNames)
}

// Recovery is how one target came through one fault.
type Recovery struct {
	Target       string         `json:"target"`
	Status       RecoveryStatus `json:"status"`
	FirstFailure time.Time      `json:"first_failure,omitzero"` // first bad probe at or after injection
	RecoveredAt  time.Time      `json:"recovered_at,omitzero"`  // first probe of the good streak
	// Duration is RecoveredAt − Injected; 0 for NoImpact; for NotRecovered
	// the time from injection to the last probe (a lower bound).
	Duration     time.Duration `json:"duration_ns"`
	FailedProbes int           `json:"failed_probes"` // bad probes from injection to RecoveredAt (or the end)
}

// RecoveryOptions tune MeasureRecovery.
type RecoveryOptions struct {
	// K is how many consecutive good probes mark recovery; default 3.
	K int
	// Until, when set, stops attributing failures to this fault: a first
	// failure at or after Until belongs to the next fault and this one had
	// no impact. The streak search itself may run past Until.
	Until time.Time
}

// MeasureRecovery measures recovery of tl's target from the fault w: the time
// from injection to the first probe of K consecutive good probes that follow
// the first failed probe after injection. A flapping good-bad-good sequence
// shorter than K does not count. No failure after injection is NoImpact with
// a zero duration; so is a first failure that comes after K consecutive good
// probes at or after w.Reverted of a lasting fault (it was over and the
// target fine).
// Voided probes (harness stalls) are skipped: they neither fail nor extend a
// streak.
func MeasureRecovery(tl Timeline, w Window, opt RecoveryOptions) Recovery {
	k := opt.K
	if k <= 0 {
		k = DefaultRecoveryStreak
	}
	r := Recovery{Target: tl.Target}
	after := judged(tl.between(w.Injected, time.Time{}))
	if len(after) == 0 {
		r.Status = NoData
		return r
	}
	first := -1
	goodSinceRevert := 0
	for i, p := range after {
		if !opt.Until.IsZero() && !p.Time.Before(opt.Until) {
			break
		}
		if !p.OK {
			first = i
			break
		}
		// A target that came through a lasting fault (a cut, a latency)
		// unharmed and has answered K times since it was reverted is done
		// with it: a failure after that is not this fault's (it is
		// collateral, or the next fault's). An instant fault (a kill) is
		// bounded by the onset instead (Analyze's Until).
		if w.Reverted.After(w.Injected) && !p.Time.Before(w.Reverted) {
			if goodSinceRevert++; goodSinceRevert == k {
				break
			}
		}
	}
	if first < 0 {
		r.Status = NoImpact
		return r
	}
	r.FirstFailure = after[first].Time
	streak := 0
	for i := first; i < len(after); i++ {
		if !after[i].OK {
			r.FailedProbes++
			streak = 0
			continue
		}
		streak++
		if streak == k {
			start := after[i-k+1]
			r.Status = Recovered
			r.RecoveredAt = start.Time
			r.Duration = start.Time.Sub(w.Injected)
			return r
		}
	}
	r.Status = NotRecovered
	r.Duration = after[len(after)-1].Time.Sub(w.Injected)
	return r
}

// judged returns the probes of ps that count (not voided).
func judged(ps []Probe) []Probe {
	out := make([]Probe, 0, len(ps))
	for _, p := range ps {
		if p.counts() {
			out = append(out, p)
		}
	}
	return out
}
