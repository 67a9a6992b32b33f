package chaos

import (
	"context"
	"sync"
	"time"

	"github.com/vigilhq/vigil/watchdog"
	"github.com/vigilhq/vigil/watchdog/api"
)

// DefaultObserveInterval is how often the Observer polls the watchdog.
const DefaultObserveInterval = 250 * time.Millisecond

// Sample is one poll of the watchdog's status.
type Sample struct {
	Time time.Time
	Err  string          // the watchdog did not answer
	St   watchdog.Status // zero when Err is set
}

// Observer polls the watchdog's status and events during a scenario: the
// watchdog's own view, reported next to (never instead of) the prober's.
// Run owns its one loop and returns when ctx ends.
type Observer struct {
	client   *api.Client
	interval time.Duration
	now      func() time.Time

	mu      sync.Mutex
	samples []Sample
	events  []watchdog.Event
	seq     uint64
	started time.Time // watchdog StartedAt of the last good sample
}

// NewObserver returns an observer of c polling every interval (default
// DefaultObserveInterval).
func NewObserver(c *api.Client, interval time.Duration, now func() time.Time) *Observer {
	if interval <= 0 {
		interval = DefaultObserveInterval
	}
	if now == nil {
		now = time.Now
	}
	return &Observer{client: c, interval: interval, now: now}
}

// Run polls until ctx ends.
func (o *Observer) Run(ctx context.Context) {
	t := time.NewTicker(o.interval)
	defer t.Stop()
	for {
		o.Poll(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Poll takes one sample and fetches new events.
func (o *Observer) Poll(ctx context.Context) {
	pctx, cancel := context.WithTimeout(ctx, o.interval*4)
	defer cancel()
	at := o.now()
	st, err := o.client.Status(pctx)
	s := Sample{Time: at, St: st}
	if err != nil && st.StartedAt.IsZero() {
		if ctx.Err() != nil {
			return
		}
		s = Sample{Time: at, Err: err.Error()}
	}
	o.mu.Lock()
	o.samples = append(o.samples, s)
	if s.Err == "" && !st.StartedAt.Equal(o.started) {
		// A new watchdog process numbers its events from 1 again.
		if !o.started.IsZero() {
			o.seq = 0
		}
		o.started = st.StartedAt
	}
	after := o.seq
	o.mu.Unlock()
	if s.Err != "" {
		return
	}
	evs, err := o.client.Events(pctx, after, 1000)
	if err != nil {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, ev := range evs {
		if ev.Seq > o.seq {
			o.events = append(o.events, ev)
			o.seq = ev.Seq
		}
	}
}

// Samples returns a copy of every sample so far.
func (o *Observer) Samples() []Sample {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]Sample(nil), o.samples...)
}

// Events returns every event seen since the first poll, excluding the ones
// that were already there at the first poll.
func (o *Observer) Events() []watchdog.Event {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]watchdog.Event(nil), o.events...)
}

// Skip marks every event already published as seen, so Events returns only
// what happens from now on.
func (o *Observer) Skip(ctx context.Context) {
	evs, err := o.client.Events(ctx, 0, 1)
	st, serr := o.client.Status(ctx)
	o.mu.Lock()
	defer o.mu.Unlock()
	if err == nil && len(evs) > 0 {
		o.seq = evs[len(evs)-1].Seq
	}
	if serr == nil {
		o.started = st.StartedAt
	}
}

// service returns the named service's status in s, if present.
func (s Sample) service(name string) (watchdog.ServiceStatus, bool) {
	for _, ss := range s.St.Services {
		if ss.Name == name {
			return ss, true
		}
	}
	return watchdog.ServiceStatus{}, false
}
