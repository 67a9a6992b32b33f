package slo

import (
	"sort"
	"time"
)

// Probe is the outcome of one check of one target.
type Probe struct {
	Time    time.Time     `json:"time"`             // when the request was sent
	OK      bool          `json:"ok"`               // status was expected and no error
	Latency time.Duration `json:"latency_ns"`       // send to body drained (0 for skipped)
	Status  int           `json:"status,omitempty"` // HTTP status, 0 if none arrived
	Err     string        `json:"err,omitempty"`    // why the probe failed
	// Tick is the prober tick the probe belongs to (zero for probes not
	// sent on a tick); Time − Tick is how late the prober sent it.
	Tick time.Time `json:"tick,omitzero"`
	// Void, when set, says why the probe is not counted: the harness
	// stalled on its tick (see MarkStalls). A voided probe counts for
	// neither recovery nor availability.
	Void string `json:"void,omitempty"`
}

// counts reports whether p is judged (not voided by a harness stall).
func (p Probe) counts() bool { return p.Void == "" }

// Timeline is every probe of one target in time order.
type Timeline struct {
	Target string  `json:"target"`
	Probes []Probe `json:"probes"`
	// Merged is how many raw probes each point stands for after Downsample
	// (0 or 1: raw).
	Merged int `json:"merged,omitempty"`
}

// sortProbes orders probes by time, keeping equal times in recording order.
func sortProbes(ps []Probe) {
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Time.Before(ps[j].Time) })
}

// Downsample returns a copy of t with at most limit points. Consecutive probes
// are merged in groups; a group is good only if all its probes were good, and
// a bad group is represented by its first judged failed probe, so no failure
// disappears from a downsampled timeline; a group whose only failures (or
// any probe) were voided is represented by its first voided probe, so a
// harness stall stays visible without hiding a failure. limit <= 0 means
// no limit.
func (t Timeline) Downsample(limit int) Timeline {
	out := Timeline{Target: t.Target, Merged: t.Merged, Probes: []Probe{}}
	if limit <= 0 || len(t.Probes) <= limit {
		out.Probes = append(out.Probes, t.Probes...)
		return out
	}
	group := (len(t.Probes) + limit - 1) / limit
	for i := 0; i < len(t.Probes); i += group {
		chunk := t.Probes[i:min(i+group, len(t.Probes))]
		out.Probes = append(out.Probes, representative(chunk))
	}
	out.Merged = max(t.Merged, 1) * group
	return out
}

// representative picks the probe that stands for chunk: its first judged
// failure, else its first voided probe, else its first probe.
func representative(chunk []Probe) Probe {
	rep := chunk[0]
	for _, p := range chunk {
		switch {
		case !p.OK && p.counts():
			return p
		case !p.counts() && rep.counts():
			rep = p
		}
	}
	return rep
}

// between returns the probes with from <= Time < to; a zero bound is open.
func (t Timeline) between(from, to time.Time) []Probe {
	lo := 0
	if !from.IsZero() {
		lo = sort.Search(len(t.Probes), func(i int) bool { return !t.Probes[i].Time.Before(from) })
	}
	hi := len(t.Probes)
	if !to.IsZero() {
		hi = sort.Search(len(t.Probes), func(i int) bool { return !t.Probes[i].Time.Before(to) })
	}
	if hi < lo {
		return nil
	}
	return t.Probes[lo:hi]
}
