package slo

import (
	"testing"
	"time"
)

func TestMeasureRecovery(t *testing.T) {
	step := 100 * time.Millisecond
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * step) }
	tests := []struct {
		name     string
		pattern  string
		injected int // probe index of injection
		reverted int // probe index of the revert; 0: none (an instant fault)
		opt      RecoveryOptions
		status   RecoveryStatus
		duration time.Duration
		failed   int
	}{
		{name: "no impact", pattern: "GGGGGGGG", injected: 2, status: NoImpact},
		{name: "failures before injection are not this fault's", pattern: "BBGGGGGG", injected: 2, status: NoImpact},
		{name: "simple outage", pattern: "GGBBBBGGGG", injected: 2, status: Recovered, duration: 4 * step, failed: 4},
		{name: "detection lag counts from injection", pattern: "GGGGBBGGG", injected: 2, status: Recovered, duration: 4 * step, failed: 2},
		{name: "flapping good-bad-good does not count", pattern: "GBGBGGBGGG", injected: 1, status: Recovered, duration: 6 * step, failed: 3},
		{name: "K=1 accepts first good", pattern: "GBGBGGG", injected: 1, opt: RecoveryOptions{K: 1}, status: Recovered, duration: 1 * step, failed: 1},
		{name: "K=5 needs five", pattern: "GBGGGGBGGGGG", injected: 1, opt: RecoveryOptions{K: 5}, status: Recovered, duration: 6 * step, failed: 2},
		{name: "never recovers", pattern: "GBBGGBB", injected: 1, status: NotRecovered, duration: 5 * step, failed: 4},
		{name: "trailing good streak too short", pattern: "GBBBGG", injected: 1, status: NotRecovered, duration: 4 * step, failed: 3},
		{name: "no probe after injection", pattern: "GGG", injected: 5, status: NoData},
		{name: "failure after Until belongs to the next fault", pattern: "GGGGGBBGGG", injected: 1, opt: RecoveryOptions{Until: at(5)}, status: NoImpact},
		{name: "failure before Until, streak after it", pattern: "GGBBBBBGGG", injected: 1, opt: RecoveryOptions{Until: at(3)}, status: Recovered, duration: 6 * step, failed: 5},
		// CI on 52bee22: Solana cut for 20 s, reconapi fine throughout and
		// for 3.7 s after the revert, then a 170 ms blip (bankapi, outside
		// the radius, blipped too) was charged as a 23.9 s recovery.
		{name: "failure after K good probes past the revert is not this fault's", pattern: "GGGGGGGBBGGG", injected: 1, reverted: 3, status: NoImpact},
		{name: "failure right after the revert is this fault's", pattern: "GGGGBBGGG", injected: 1, reverted: 3, status: Recovered, duration: 5 * step, failed: 2},
		{name: "failure during the fault, good streak after the revert", pattern: "GGBBBBGGG", injected: 1, reverted: 4, status: Recovered, duration: 5 * step, failed: 4},
		{name: "good probes before the revert do not close the window", pattern: "GGGGGGBBGGG", injected: 1, reverted: 6, status: Recovered, duration: 7 * step, failed: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tl := timeline("api", t0, step, tc.pattern)
			w := Window{Name: "f", Injected: at(tc.injected)}
			if tc.reverted > 0 {
				w.Reverted = at(tc.reverted)
			}
			got := MeasureRecovery(tl, w, tc.opt)
			if got.Status != tc.status || got.Duration != tc.duration || got.FailedProbes != tc.failed {
				t.Errorf("MeasureRecovery(%q) = %v %v failed=%d, want %v %v failed=%d",
					tc.pattern, got.Status, got.Duration, got.FailedProbes, tc.status, tc.duration, tc.failed)
			}
			if got.Status == Recovered && !got.RecoveredAt.Equal(at(tc.injected).Add(tc.duration)) {
				t.Errorf("RecoveredAt = %v, want injection + %v", got.RecoveredAt, tc.duration)
			}
		})
	}
}

func TestRecoveryStatusText(t *testing.T) {
	for s := NoImpact; s <= NoData; s++ {
		b, _ := s.MarshalText()
		var back RecoveryStatus
		if err := back.UnmarshalText(b); err != nil || back != s {
			t.Errorf("round trip %v = %v, %v", s, back, err)
		}
	}
	var s RecoveryStatus
	if err := s.UnmarshalText([]byte("bogus")); err == nil {
		t.Error("UnmarshalText(bogus) = nil error, want error")
	}
}
