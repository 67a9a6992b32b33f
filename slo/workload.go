package slo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// DefaultOpTimeout bounds one workload operation when Workload.OpTimeout is 0.
const DefaultOpTimeout = 5 * time.Second

// WriteFunc performs one write of key. It returns the row id on success. On
// error, definite says the write certainly did not happen (e.g. rejected
// before commit); otherwise the outcome is unknown (timeout, reset after
// send). It must return when ctx is done.
type WriteFunc func(ctx context.Context, key string) (id string, err error, definite bool)

// Workload issues unique writes at a fixed rate and records them in a Ledger.
// It is bounded in count (MaxOps) and time (Duration).
type Workload struct {
	Rate        float64       // writes started per second; required
	Duration    time.Duration // how long to keep starting writes; required
	MaxInFlight int           // concurrent writes; default 8
	MaxOps      int           // cap on writes started; default Rate × Duration (rounded up)
	OpTimeout   time.Duration // bound on each write; default 5s
	// Retries is how many more times a write whose outcome is unknown is
	// sent with the same key (each bounded by OpTimeout, 100 ms apart
	// doubling to 1.6 s), as clients of an idempotent API do. The key's
	// final outcome is recorded.
	Retries int
	// Seed makes the key sequence reproducible; required (non-zero) so it
	// can be printed in the report.
	Seed   int64
	Prefix string // key prefix; default "w"
	Do     WriteFunc
}

func (w Workload) validate() error {
	var errs []error
	if w.Rate <= 0 {
		errs = append(errs, fmt.Errorf("workload rate %v: must be > 0 writes per second", w.Rate))
	}
	if w.Duration <= 0 {
		errs = append(errs, fmt.Errorf("workload duration %v: must be > 0", w.Duration))
	}
	if w.Seed == 0 {
		errs = append(errs, errors.New("workload seed is 0: pick one (e.g. time.Now().UnixNano()) and record it in the report"))
	}
	if w.Do == nil {
		errs = append(errs, errors.New("workload has no Do function"))
	}
	return errors.Join(errs...)
}

// Keys returns the first n keys a workload with this Seed and Prefix writes.
// Keys are unique within a run and reproducible from the seed.
func (w Workload) Keys(n int) []string {
	g := w.keygen()
	out := make([]string, n)
	for i := range out {
		out[i] = g()
	}
	return out
}

func (w Workload) keygen() func() string {
	prefix := w.Prefix
	if prefix == "" {
		prefix = "w"
	}
	r := rand.New(rand.NewPCG(uint64(w.Seed), uint64(w.Seed)^0x9e3779b97f4a7c15))
	n := 0
	return func() string {
		n++
		// The counter makes keys unique; the random part keeps keys of
		// different runs from colliding in a reused database.
		return fmt.Sprintf("%s-%06d-%016x", prefix, n, r.Uint64())
	}
}

// Run starts writes at Rate until Duration has passed, MaxOps writes were
// started or ctx is done, then waits for in-flight writes and returns. Every
// write is recorded in l: Attempt before sending, then Ack, Fail or Unknown.
// It returns nil unless w is invalid.
func (w Workload) Run(ctx context.Context, l *Ledger) error {
	if err := w.validate(); err != nil {
		return fmt.Errorf("workload: %w", err)
	}
	inflight := w.MaxInFlight
	if inflight <= 0 {
		inflight = 8
	}
	maxOps := w.MaxOps
	if maxOps <= 0 {
		maxOps = int(w.Rate*w.Duration.Seconds() + 0.999)
	}
	opTimeout := w.OpTimeout
	if opTimeout <= 0 {
		opTimeout = DefaultOpTimeout
	}
	deadline := time.NewTimer(w.Duration)
	defer deadline.Stop()
	tick := time.NewTicker(time.Duration(float64(time.Second) / w.Rate))
	defer tick.Stop()
	slots := make(chan struct{}, inflight)
	var wg sync.WaitGroup
	defer wg.Wait()
	next := w.keygen()
	for started := 0; started < maxOps; started++ {
		if started > 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-deadline.C:
				return nil
			case <-tick.C:
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-deadline.C:
			return nil
		case slots <- struct{}{}:
		}
		key := next()
		l.Attempt(key)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			w.write(ctx, l, key, opTimeout)
		}()
	}
	return nil
}

func (w Workload) write(ctx context.Context, l *Ledger, key string, timeout time.Duration) {
	var (
		id       string
		err      error
		definite bool
	)
	pause := 100 * time.Millisecond
	for try := 0; ; try++ {
		id, err, definite = w.once(ctx, key, timeout)
		if err == nil || definite || try >= w.Retries || !sleep(ctx, pause) {
			break
		}
		pause = min(2*pause, 1600*time.Millisecond)
	}
	switch {
	case err == nil:
		l.Ack(key, id)
	case definite:
		l.Fail(key, err)
	default:
		l.Unknown(key, err)
	}
}

// once sends one write of key, bounded by timeout.
func (w Workload) once(ctx context.Context, key string, timeout time.Duration) (string, error, bool) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return w.Do(ctx, key)
}

// sleep waits d; false when ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
