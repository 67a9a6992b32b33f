package watchdog

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/sethvargo/go-retry"

	"github.com/vigilhq/vigil/watchdog/config"
)

// newBackoff builds the restart delay sequence for quick repeated crashes:
// min, min×m, min×m², … capped at max, each with ±jitter. The first restart
// after a stable run does not use it: it is immediate.
func newBackoff(c config.Backoff, rng *rand.Rand) retry.Backoff {
	mult := c.Multiplier // at least 1: config.Validate
	attempt := 0
	base := retry.BackoffFunc(func() (time.Duration, bool) {
		d := float64(c.Min) * math.Pow(mult, float64(attempt))
		attempt++
		if d > float64(c.Max) || math.IsInf(d, 0) {
			d = float64(c.Max)
		}
		return time.Duration(d), false
	})
	if c.Jitter > 0 {
		base = jitter(c.Jitter, rng, base)
	}
	return retry.WithCappedDuration(c.Max, base)
}

// jitter spreads each delay by ±fraction using the supervisor's seeded rng
// (go-retry's own jitter draws from a global source we cannot seed).
func jitter(fraction float64, rng *rand.Rand, next retry.Backoff) retry.BackoffFunc {
	return func() (time.Duration, bool) {
		d, stop := next.Next()
		if stop {
			return 0, true
		}
		spread := float64(d) * fraction
		return time.Duration(float64(d) - spread + rng.Float64()*2*spread), false
	}
}
