package alert

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigilhq/vigil/watchdog"
	"github.com/vigilhq/vigil/watchdog/config"
	"github.com/vigilhq/vigil/watchdog/metrics"
)

// Defaults for Options and config.Alert fields left zero.
const (
	DefaultQueue        = 100
	DefaultRepeat       = 30 * time.Minute
	DefaultTick         = 10 * time.Second
	DefaultFlapBurst    = 5
	DefaultFlapWindow   = 10 * time.Minute
	DefaultDrainTimeout = 2 * time.Second
)

// Options are the Dispatcher's dependencies and knobs; every field is optional.
type Options struct {
	// Logger receives delivery failures and queue overflows. Default: discard.
	Logger *slog.Logger
	// Registerer gets the vigil_alert* metrics. Nil: metrics are kept but not registered.
	Registerer *metrics.Registry
	// Now is the clock for alert decisions (reminders, flapping windows,
	// Alert.Time). Default time.Now.
	Now func() time.Time
	// Host names the machine in alert text. Default os.Hostname().
	Host string
	// Tick is how often each worker looks for due reminders and flapping
	// catch-ups. Default DefaultTick.
	Tick time.Duration
	// FlapBurst alerts per key per FlapWindow are sent; more are suppressed
	// and counted in the next alert. Defaults DefaultFlapBurst, DefaultFlapWindow.
	FlapBurst  int
	FlapWindow time.Duration
	// DrainTimeout bounds delivery of queued alerts after Run's ctx is done.
	// Default DefaultDrainTimeout.
	DrainTimeout time.Duration
}

// Dispatcher fans the supervisor's events out to alert sinks. Notify may be
// called from any goroutine and never blocks; Run owns one goroutine per sink.
type Dispatcher struct {
	workers []*worker
	now     func() time.Time
	tick    time.Duration
	drain   time.Duration
	running atomic.Bool
}

// New builds a Dispatcher for cfgs (vigil.yaml alerts:). It reports every
// invalid sink at once. No goroutine starts before Run.
func New(cfgs []config.Alert, opts Options) (*Dispatcher, error) {
	opts = opts.withDefaults()
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, fmt.Errorf("register alert metrics: %w", err)
	}
	d := &Dispatcher{now: opts.Now, tick: opts.Tick, drain: opts.DrainTimeout}
	var errs []error
	names := map[string]bool{}
	for i, c := range cfgs {
		w, err := newWorker(i, c, opts, m)
		if err == nil && names[w.name] {
			err = fmt.Errorf("name %q is used twice: give each sink a unique name", w.name)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("alerts[%d] (line %d): %w", i, c.Line, err))
			continue
		}
		names[w.name] = true
		d.workers = append(d.workers, w)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return d, nil
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Host == "" {
		o.Host, _ = os.Hostname()
	}
	o.Tick = orDefault(o.Tick, DefaultTick)
	o.FlapBurst = orDefault(o.FlapBurst, DefaultFlapBurst)
	o.FlapWindow = orDefault(o.FlapWindow, DefaultFlapWindow)
	o.DrainTimeout = orDefault(o.DrainTimeout, DefaultDrainTimeout)
	return o
}

// newWorker validates one config.Alert and builds its sink and worker.
func newWorker(i int, c config.Alert, opts Options, m *alertMetrics) (*worker, error) {
	sink, kind, queue, err := newSink(c)
	if err != nil {
		return nil, err
	}
	kinds, err := parseKinds(c.Events)
	if err != nil {
		return nil, err
	}
	if c.Repeat < 0 {
		return nil, fmt.Errorf("repeat %s is negative: use a positive duration such as 30m, or 0 for the default", c.Repeat)
	}
	name := c.Name
	if name == "" {
		name = fmt.Sprintf("%s-%d", kind, i)
	}
	lim := limits{repeat: orDefault(c.Repeat, DefaultRepeat), window: opts.FlapWindow, burst: opts.FlapBurst}
	queue = orDefault(queue, DefaultQueue)
	// A sink's failures, drops and deliveries are exported from the start, at zero.
	m.failures.Init(name)
	m.dropped.Init(name)
	m.delivery.Init(name)
	return &worker{
		name:  name,
		sink:  sink,
		kinds: kinds,
		queue: make(chan Alert, queue),
		tr:    newTracker(opts.Host, lim),
		log:   opts.Logger.With("sink", name),
		m:     m,
	}, nil
}

// newSink builds the one sink kind c sets; queue is the configured queue length (0 = default).
func newSink(c config.Alert) (s Sink, kind string, queue int, err error) {
	set := 0
	if c.File != nil {
		set++
		s, kind = NewFile(*c.File), "file"
		if c.File.Path == "" {
			err = errors.New("file.path is empty: set the file alerts are appended to")
		}
	}
	if c.Webhook != nil {
		set++
		s, kind, queue = NewWebhook(*c.Webhook), "webhook", c.Webhook.Queue
		if u, perr := url.Parse(c.Webhook.URL); perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			err = errors.New("webhook.url must be an http:// or https:// URL")
		}
	}
	if c.Alertmanager != nil {
		set++
		s, kind, queue = NewAlertmanager(*c.Alertmanager), "alertmanager", c.Alertmanager.Queue
		if u, perr := url.Parse(c.Alertmanager.URL); perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			err = errors.New("alertmanager.url must be an http:// or https:// URL")
		}
	}
	if c.Exec != nil {
		set++
		s, kind = NewExec(*c.Exec), "exec"
		if len(c.Exec.Command) == 0 {
			err = errors.New("exec.command is empty: set the argv to run")
		}
	}
	if set != 1 {
		return nil, "", 0, fmt.Errorf("%d sink kinds set: set exactly one of file, webhook, alertmanager, exec", set)
	}
	return s, kind, queue, err
}

// parseKinds turns an events: filter into a set; empty means every alerting kind.
func parseKinds(events []string) (map[watchdog.EventKind]bool, error) {
	all := AlertingKinds()
	kinds := map[watchdog.EventKind]bool{}
	if len(events) == 0 {
		for _, k := range all {
			kinds[k] = true
		}
		return kinds, nil
	}
	for _, e := range events {
		k := watchdog.EventKind(e)
		if !slices.Contains(all, k) {
			return nil, fmt.Errorf("events: %q does not alert: use some of %v", e, all)
		}
		kinds[k] = true
	}
	return kinds, nil
}

// Notify turns ev into alerts and queues them on each sink whose events
// filter admits them. It never blocks: a full queue drops the alert and counts
// it in vigil_alerts_dropped_total. Safe for concurrent use, before, during
// and after Run.
func (d *Dispatcher) Notify(ev watchdog.Event) {
	changes := classify(ev)
	if len(changes) == 0 {
		return
	}
	now := d.now()
	for _, w := range d.workers {
		for _, c := range changes {
			if c.op != opClearService && !w.kinds[c.kind] {
				continue
			}
			for _, a := range w.tr.apply(c, now) {
				w.enqueue(a)
			}
		}
	}
}

// Run delivers alerts until ctx is done, with one goroutine per sink. Then
// each sink gets up to Options.DrainTimeout to deliver what is queued, and
// Run returns nil once every goroutine it started has exited. A Dispatcher
// runs once at a time; a second concurrent Run returns an error.
func (d *Dispatcher) Run(ctx context.Context) error {
	if !d.running.CompareAndSwap(false, true) {
		return errors.New("alert dispatcher is already running")
	}
	defer d.running.Store(false)
	if len(d.workers) == 0 {
		<-ctx.Done() // nothing to deliver, but Run's contract is to block
		return nil
	}
	var wg sync.WaitGroup
	for _, w := range d.workers {
		wg.Go(func() { w.run(ctx, d.now, d.tick, d.drain) })
	}
	wg.Wait()
	return nil
}

// Sinks returns the sink names, in config order, as used in metric labels.
func (d *Dispatcher) Sinks() []string {
	names := make([]string, len(d.workers))
	for i, w := range d.workers {
		names[i] = w.name
	}
	return names
}
