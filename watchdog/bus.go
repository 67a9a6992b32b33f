package watchdog

import (
	"sync"
	"time"
)

// Bus fans the supervisor's events out to subscribers and keeps the most
// recent ones for /v1/events. Publish never blocks: subscribers are called
// inline and must not block (the alert dispatcher and metrics queue or count).
type Bus struct {
	mu     sync.Mutex
	seq    uint64
	ring   []Event
	next   int
	full   bool
	subs   map[int]func(Event)
	nextID int
	now    func() time.Time
}

// NewBus returns a bus keeping the last keep events.
func NewBus(keep int, now func() time.Time) *Bus {
	if keep <= 0 {
		keep = 1000
	}
	if now == nil {
		now = time.Now
	}
	return &Bus{ring: make([]Event, keep), subs: map[int]func(Event){}, now: now}
}

// Subscribe registers fn for every future event and returns a cancel func.
func (b *Bus) Subscribe(fn func(Event)) (cancel func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	id := b.nextID
	b.nextID++
	b.subs[id] = fn
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		delete(b.subs, id)
	}
}

// Publish stamps ev with a sequence number and time (if unset) and delivers it.
func (b *Bus) Publish(ev Event) Event {
	b.mu.Lock()
	b.seq++
	ev.Seq = b.seq
	if ev.Time.IsZero() {
		ev.Time = b.now()
	}
	if ev.Severity == "" {
		ev.Severity = SeverityInfo
	}
	b.ring[b.next] = ev
	b.next = (b.next + 1) % len(b.ring)
	if b.next == 0 {
		b.full = true
	}
	subs := make([]func(Event), 0, len(b.subs))
	for _, fn := range b.subs {
		subs = append(subs, fn)
	}
	b.mu.Unlock()
	for _, fn := range subs {
		fn(ev)
	}
	return ev
}

// Recent returns up to n of the latest events with Seq > after, oldest first.
func (b *Bus) Recent(after uint64, n int) []Event {
	b.mu.Lock()
	defer b.mu.Unlock()
	var all []Event
	if b.full {
		all = append(all, b.ring[b.next:]...)
	}
	all = append(all, b.ring[:b.next]...)
	out := make([]Event, 0, len(all))
	for _, ev := range all {
		if ev.Seq > after {
			out = append(out, ev)
		}
	}
	if n > 0 && len(out) > n {
		out = out[len(out)-n:]
	}
	return out
}
