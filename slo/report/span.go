package report

import (
	"time"

	"github.com/vigilhq/vigil/slo"
)

// span is s's time range: Start/End when set, else the first and last probe
// or fault time.
func span(s slo.ScenarioResult) (start, end time.Time) {
	start, end = s.Start, s.End
	widen := func(t time.Time) {
		if t.IsZero() {
			return
		}
		if s.Start.IsZero() && (start.IsZero() || t.Before(start)) {
			start = t
		}
		if s.End.IsZero() && (end.IsZero() || t.After(end)) {
			end = t
		}
	}
	for _, tl := range s.Timelines {
		for _, p := range tl.Probes {
			widen(p.Time)
		}
	}
	for _, f := range s.Faults {
		widen(f.Injected)
		widen(f.Reverted)
	}
	if !end.After(start) {
		end = start.Add(time.Second)
	}
	return start, end
}
