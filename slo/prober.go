package slo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Prober defaults.
const (
	DefaultProbeInterval = 100 * time.Millisecond
	maxProbeBody         = 64 << 10
)

// SkippedProbe is the Err of a probe recorded for a tick that arrived while
// the target's previous probe was still in flight.
const SkippedProbe = "skipped: previous probe still running"

// ProberConfig configures a Prober. Only Targets is required.
type ProberConfig struct {
	Targets []Target
	// Control, when set, is probed on the same ticks as Targets: an
	// endpoint no fault can reach, so a failed control probe means the
	// harness (this process, the machine) stalled, not the system under
	// test (see MarkStalls).
	Control  *Target
	Interval time.Duration // between ticks; default 100ms
	// Timeout bounds each probe, body included; default 80 % of Interval,
	// and it must be shorter than Interval.
	Timeout time.Duration
	// Client sends the probes; default a client with keep-alives disabled so
	// every probe opens a fresh connection, as a new user would.
	Client *http.Client
	// Now timestamps probes; default time.Now.
	Now func() time.Time
	// Ticks, when set, replaces the interval ticker (tests drive the
	// prober tick by tick). Run stops when it is closed.
	Ticks <-chan time.Time
	// OnProbe, when set, is called after each probe is recorded. It is
	// called from several goroutines at once and must not block for long.
	OnProbe func(target string, p Probe)
}

// Prober checks each target on a fixed interval, independently of the
// watchdog, and records a Timeline per target. At most one probe per target
// is in flight; a tick that finds the previous probe still running is
// recorded as a failed probe (SkippedProbe) so ticks never pile up.
type Prober struct {
	cfg     ProberConfig
	tracks  []*track
	control *track // nil without ProberConfig.Control
	ran     atomic.Bool
	mu      sync.Mutex
	ticks   []time.Time // every dispatched tick, in order
}

// track is one target's in-flight flag, work slot and recorded probes.
type track struct {
	target Target
	busy   atomic.Bool
	work   chan time.Time // the tick; capacity 1; a send happens only after busy was won
	mu     sync.Mutex
	probes []Probe
}

// NewProber validates cfg, applies defaults and returns a Prober ready to Run.
func NewProber(cfg ProberConfig) (*Prober, error) {
	if len(cfg.Targets) == 0 {
		return nil, errors.New("prober: no targets: give at least one target")
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultProbeInterval
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = cfg.Interval * 8 / 10
	}
	if cfg.Timeout >= cfg.Interval {
		return nil, fmt.Errorf("prober: timeout %v must be shorter than interval %v so probes cannot pile up", cfg.Timeout, cfg.Interval)
	}
	if cfg.Client == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.DisableKeepAlives = true
		cfg.Client = &http.Client{Transport: tr}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	p := &Prober{cfg: cfg}
	seen := map[string]bool{}
	var errs []error
	if c := cfg.Control; c != nil {
		if err := c.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("control: %w", err))
		}
		p.control = &track{target: *c, work: make(chan time.Time, 1)}
	}
	for _, t := range cfg.Targets {
		if err := t.Validate(); err != nil {
			errs = append(errs, err)
		}
		if seen[t.Name] {
			errs = append(errs, fmt.Errorf("target %q listed twice: names must be unique", t.Name))
		}
		seen[t.Name] = true
		p.tracks = append(p.tracks, &track{target: t, work: make(chan time.Time, 1)})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("prober: %w", err)
	}
	return p, nil
}

// Run probes until ctx is cancelled (or Ticks is closed) and returns once
// every goroutine it started has exited. Probes cut short by that
// cancellation are discarded, not recorded as failures. Run may be called
// once.
func (p *Prober) Run(ctx context.Context) error {
	if !p.ran.CompareAndSwap(false, true) {
		return errors.New("prober: Run called twice: make a new Prober per run")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ticks := p.cfg.Ticks
	if ticks == nil {
		tk := time.NewTicker(p.cfg.Interval)
		defer tk.Stop()
		ticks = tk.C
	}
	var wg sync.WaitGroup
	for _, tr := range p.all() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.work(ctx, tr)
		}()
	}
	defer p.cfg.Client.CloseIdleConnections()
	defer wg.Wait()
	for {
		select {
		case <-ctx.Done():
			return nil
		case tick, ok := <-ticks:
			if !ok {
				return nil
			}
			p.dispatch(tick)
		}
	}
}

// all is the control track (if any) and every target's.
func (p *Prober) all() []*track {
	if p.control == nil {
		return p.tracks
	}
	return append([]*track{p.control}, p.tracks...)
}

// dispatch hands tick to every idle target and records a skip for busy ones.
func (p *Prober) dispatch(tick time.Time) {
	p.mu.Lock()
	p.ticks = append(p.ticks, tick)
	p.mu.Unlock()
	for _, tr := range p.all() {
		if tr.busy.CompareAndSwap(false, true) {
			tr.work <- tick
			continue
		}
		p.record(tr, Probe{Time: p.cfg.Now(), Tick: tick, Err: SkippedProbe})
	}
}

// work runs one target's probes, one at a time.
func (p *Prober) work(ctx context.Context, tr *track) {
	for {
		select {
		case <-ctx.Done():
			return
		case tick := <-tr.work:
			pr, ok := p.probe(ctx, tr.target)
			pr.Tick = tick
			tr.busy.Store(false)
			if !ok {
				return
			}
			p.record(tr, pr)
		}
	}
}

func (p *Prober) record(tr *track, pr Probe) {
	tr.mu.Lock()
	tr.probes = append(tr.probes, pr)
	tr.mu.Unlock()
	if p.cfg.OnProbe != nil {
		p.cfg.OnProbe(tr.target.Name, pr)
	}
}

// probe sends one request. ok is false when ctx ended during the probe.
func (p *Prober) probe(ctx context.Context, t Target) (pr Probe, ok bool) {
	pctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	pr.Time = p.cfg.Now()
	req, err := http.NewRequestWithContext(pctx, t.method(), t.URL, nil)
	if err != nil {
		pr.Err = err.Error()
		return pr, true
	}
	resp, err := p.cfg.Client.Do(req)
	if err == nil {
		pr.Status = resp.StatusCode
		_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, maxProbeBody))
		resp.Body.Close()
	}
	pr.Latency = p.cfg.Now().Sub(pr.Time)
	if ctx.Err() != nil {
		return pr, false
	}
	switch {
	case err != nil && errors.Is(pctx.Err(), context.DeadlineExceeded):
		pr.Err = fmt.Sprintf("timeout after %v: %v", p.cfg.Timeout, err)
	case err != nil:
		pr.Err = err.Error()
	case !t.accepts(pr.Status):
		pr.Err = fmt.Sprintf("unexpected status %d", pr.Status)
	default:
		pr.OK = true
	}
	return pr, true
}

// Timelines returns a snapshot of every target's timeline, in target order,
// each sorted by probe time. It is safe to call while Run is running.
func (p *Prober) Timelines() []Timeline {
	out := make([]Timeline, 0, len(p.tracks))
	for _, tr := range p.tracks {
		out = append(out, tr.timeline())
	}
	return out
}

// ControlTimeline returns the control target's timeline; nil without
// ProberConfig.Control. It is safe to call while Run is running.
func (p *Prober) ControlTimeline() *Timeline {
	if p.control == nil {
		return nil
	}
	tl := p.control.timeline()
	return &tl
}

// Ticks returns every tick the prober dispatched so far, in order: a gap
// longer than the interval is a stretch in which it could not even tick.
func (p *Prober) Ticks() []time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]time.Time(nil), p.ticks...)
}

// timeline is a sorted snapshot of tr's probes.
func (tr *track) timeline() Timeline {
	tr.mu.Lock()
	ps := append([]Probe{}, tr.probes...)
	tr.mu.Unlock()
	sortProbes(ps)
	return Timeline{Target: tr.target.Name, Probes: ps}
}
