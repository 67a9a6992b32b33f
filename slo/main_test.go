package slo

import (
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// t0 is the synthetic clock origin of every hand-built timeline.
var t0 = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// timeline builds a timeline from a pattern of 'G' (good) and 'B' (bad)
// probes, one every step starting at start.
func timeline(target string, start time.Time, step time.Duration, pattern string) Timeline {
	tl := Timeline{Target: target}
	for i, c := range pattern {
		p := Probe{Time: start.Add(time.Duration(i) * step), OK: c == 'G'}
		if p.OK {
			p.Status = 200
		} else {
			p.Status, p.Err = 503, "unexpected status 503"
		}
		tl.Probes = append(tl.Probes, p)
	}
	return tl
}

// repeat returns s n times.
func repeat(s string, n int) string {
	out := ""
	for range n {
		out += s
	}
	return out
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}
