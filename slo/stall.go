package slo

import (
	"fmt"
	"time"
)

// Harness-stall defaults (docs/slo.md, "Harness stalls").
const (
	// DefaultStallBound is how late the prober may send a tick's probe
	// before the tick is voided: half the default probe interval.
	DefaultStallBound = DefaultProbeInterval / 2
	// DefaultMaxVoidShare is the share of a scenario's ticks that may be
	// voided before its verdict is inconclusive.
	DefaultMaxVoidShare = 0.05
)

// Void reasons written into Probe.Void.
const (
	VoidControlFailed = "harness stall: control probe failed"
	VoidLate          = "harness stall: prober late"
)

// Harness is how the measuring side itself fared during a scenario run.
type Harness struct {
	// Ticks is how many ticks the prober should have dispatched over the
	// run: those it dispatched plus Missed.
	Ticks int `json:"ticks"`
	// Voided is how many of them are not judged: the control failed, the
	// prober sent a probe more than Bound late, or (Missed) it did not
	// tick at all.
	Voided        int           `json:"voided"`
	ControlFailed int           `json:"control_failed"`
	Late          int           `json:"late"`
	Missed        int           `json:"missed"`
	Bound         time.Duration `json:"bound_ns"`
	MaxVoidShare  float64       `json:"max_void_share"`
	// Inconclusive, when set, says why the run cannot be judged: more
	// than MaxVoidShare of its ticks were voided.
	Inconclusive string `json:"inconclusive,omitempty"`
}

// VoidShare is Voided / Ticks (0 without ticks).
func (h Harness) VoidShare() float64 {
	if h.Ticks == 0 {
		return 0
	}
	return float64(h.Voided) / float64(h.Ticks)
}

// StallInput is what MarkStalls judges: the targets' timelines, the
// control's (nil: none probed), and the prober's dispatched ticks.
type StallInput struct {
	Timelines []Timeline
	Control   *Timeline
	Ticks     []time.Time
	Interval  time.Duration // the prober's interval
	Bound     time.Duration // default DefaultStallBound
	MaxShare  float64       // default DefaultMaxVoidShare
}

// MarkStalls voids every probe of each tick on which the harness stalled,
// and returns copies of the timelines with Probe.Void set, and the counts.
// A tick stalled when the control's probe on it failed, or when any probe
// of it (control or target) was sent more than Bound after the tick; a gap
// between dispatched ticks longer than 1.5 intervals counts its missing
// ticks as missed. Probes without a tick are judged as they are.
func MarkStalls(in StallInput) ([]Timeline, Harness) {
	h := Harness{Bound: in.Bound, MaxVoidShare: in.MaxShare}
	h.Bound = orDefault(h.Bound, DefaultStallBound)
	h.MaxVoidShare = orDefault(h.MaxVoidShare, DefaultMaxVoidShare)
	stalled := map[time.Time]string{}
	mark := func(tick time.Time, why string) {
		if _, ok := stalled[tick]; !ok {
			stalled[tick] = why
		}
	}
	if in.Control != nil {
		for _, p := range in.Control.Probes {
			if !p.Tick.IsZero() && !p.OK {
				mark(p.Tick, VoidControlFailed)
			}
		}
	}
	all := append([]Timeline{}, in.Timelines...)
	if in.Control != nil {
		all = append(all, *in.Control)
	}
	for _, tl := range all {
		for _, p := range tl.Probes {
			if !p.Tick.IsZero() && p.Time.Sub(p.Tick) > h.Bound {
				mark(p.Tick, VoidLate)
			}
		}
	}
	for _, why := range stalled {
		if why == VoidControlFailed {
			h.ControlFailed++
		} else {
			h.Late++
		}
	}
	h.Missed = missedTicks(in.Ticks, in.Interval)
	h.Ticks = len(in.Ticks) + h.Missed
	h.Voided = len(stalled) + h.Missed
	out := make([]Timeline, len(in.Timelines))
	for i, tl := range in.Timelines {
		tl.Probes = append([]Probe(nil), tl.Probes...)
		for j, p := range tl.Probes {
			if why, ok := stalled[p.Tick]; ok && !p.Tick.IsZero() {
				tl.Probes[j].Void = why
			}
		}
		out[i] = tl
	}
	if h.VoidShare() > h.MaxVoidShare {
		h.Inconclusive = fmt.Sprintf("%d of %d probe ticks voided by harness stalls (%.1f%% > %.1f%%: %d control failures, %d late, %d missed): rerun on a quieter machine",
			h.Voided, h.Ticks, h.VoidShare()*100, h.MaxVoidShare*100, h.ControlFailed, h.Late, h.Missed)
	}
	return out, h
}

// missedTicks counts the ticks that should have come in the gaps between
// dispatched ticks longer than 1.5 intervals.
func missedTicks(ticks []time.Time, interval time.Duration) int {
	if interval <= 0 {
		return 0
	}
	n := 0
	for i := 1; i < len(ticks); i++ {
		if gap := ticks[i].Sub(ticks[i-1]); gap > interval*3/2 {
			n += int((gap+interval/2)/interval) - 1
		}
	}
	return n
}
