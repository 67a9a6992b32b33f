package config

import (
	"testing"
	"time"
)

func TestCheckDefaulted(t *testing.T) {
	got := Check{TCP: &TCPCheck{}}.Defaulted()
	if got.Interval != DefaultCheckInterval || got.Timeout != DefaultCheckTimeout || got.Failures != DefaultCheckFailures || got.Successes != DefaultCheckSuccesses || got.Name != "tcp" {
		t.Errorf("Defaulted(zero) = interval %s timeout %s failures %d successes %d name %q, want 10s 1s 3 1 tcp",
			got.Interval, got.Timeout, got.Failures, got.Successes, got.Name)
	}
	set := Check{Name: "n", Interval: time.Minute, Timeout: 2 * time.Second, Failures: 5, Successes: 2}
	if got := set.Defaulted(); got.Interval != set.Interval || got.Timeout != set.Timeout || got.Failures != 5 || got.Successes != 2 || got.Name != "n" {
		t.Errorf("Defaulted(set) changed set values: %+v", got)
	}
	h := &HTTPCheck{URL: "http://x"}
	if got := (Check{HTTP: h}).Defaulted(); got.HTTP.Method != DefaultHTTPMethod || h.Method != "" {
		t.Errorf("Defaulted(http) method %q, original %q: want %q and the original untouched", got.HTTP.Method, h.Method, DefaultHTTPMethod)
	}
}
