package alert

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/vigilhq/vigil/watchdog"
)

// worker owns one sink: its queue, its problem states and the goroutine that
// delivers. Notify feeds the queue without blocking; only the worker's
// goroutine calls the sink.
type worker struct {
	name  string
	sink  Sink
	kinds map[watchdog.EventKind]bool
	queue chan Alert
	tr    *tracker
	log   *slog.Logger

	m *alertMetrics // series labelled with name

	dropping atomic.Bool // a drop was logged and no alert got through since
}

// enqueue hands a to the worker, or drops and counts it when the queue is
// full. It never blocks; only the first drop of a run of drops is logged.
func (w *worker) enqueue(a Alert) {
	select {
	case w.queue <- a:
		w.dropping.Store(false)
	default:
		w.m.dropped.Inc(w.name)
		if w.dropping.CompareAndSwap(false, true) {
			w.log.Warn("alert queue full: dropping alerts until the sink catches up",
				"sink", w.name, "queue", cap(w.queue), "key", a.Key)
		}
	}
}

// run delivers until ctx is done, then drains the queue for at most drain.
// Every tick it asks the tracker for reminders and flapping catch-ups.
func (w *worker) run(ctx context.Context, now func() time.Time, tick, drain time.Duration) {
	if c, ok := w.sink.(interface{ CloseIdleConnections() }); ok {
		defer c.CloseIdleConnections()
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		if ctx.Err() != nil { // select picks at random: cancellation must win over a full queue
			w.drain(ctx, drain)
			return
		}
		select {
		case <-ctx.Done():
			continue
		case a := <-w.queue:
			w.deliver(ctx, a)
		case <-t.C:
			for _, a := range w.tr.tick(now()) {
				w.enqueue(a)
			}
			if r, ok := w.sink.(refresher); ok {
				if err := r.Refresh(ctx, now()); err != nil {
					w.m.failures.Inc(w.name)
					w.log.Warn("alerts not re-sent", "sink", w.name, "error", err)
				}
			}
		}
	}
}

// drain delivers what is queued with a fresh deadline of d, so alerts raised
// during shutdown still go out, and counts what is left when d runs out.
func (w *worker) drain(ctx context.Context, d time.Duration) {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d)
	defer cancel()
	for {
		select {
		case a := <-w.queue:
			if dctx.Err() != nil {
				w.m.dropped.Inc(w.name)
				continue
			}
			w.deliver(dctx, a)
		default:
			return
		}
	}
}

func (w *worker) deliver(ctx context.Context, a Alert) {
	start := time.Now()
	err := w.sink.Send(ctx, a)
	w.m.delivery.Observe(time.Since(start).Seconds(), w.name)
	if err != nil {
		w.m.failures.Inc(w.name)
		w.log.Warn("alert not delivered", "sink", w.name, "key", a.Key, "error", err)
		return
	}
	w.m.sent.Inc(w.name, string(a.Kind))
}
