package chaos

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/vigilhq/vigil/faults"
	"github.com/vigilhq/vigil/slo"
)

// Runner runs scenarios against one Target. Its fields are read-only while
// Run runs; one Runner runs one scenario at a time.
type Runner struct {
	Target  *Target
	Journal *Journal // required: the run's notes
	// Confirm, when set, is asked before each fault is injected (game day);
	// a false answer skips that fault, an error aborts the scenario.
	Confirm func(ctx context.Context, s *Scenario, f FaultSpec) (bool, error)
	// Live, when set, gets a status snapshot every second while the method
	// runs (the game day's status line). It must not block.
	Live func(LiveStatus)
	// ProbeInterval default slo.DefaultProbeInterval.
	ProbeInterval time.Duration
	// RevertTimeout bounds each revert; default faults.DefaultRevertTimeout.
	RevertTimeout time.Duration
	// RunID distinguishes this run's workload keys from earlier runs'.
	RunID string
}

// Result is what one scenario run produced.
type Result struct {
	Scenario *Scenario
	// Input feeds slo.Analyze; Input.Set is nil without load.
	Input slo.ScenarioInput
	// Deviations are what failed besides the SLOs: the steady state after
	// the method, expectations, skipped faults. Any fails the scenario.
	Deviations []string
	// Records are the faults journal's records.
	Records []faults.Record
	// Settlements is the chain check of reconapi's confirmed
	// settlements; nil when the target has no Solana node.
	Settlements *slo.SettlementResult
}

// Run runs s: steady state, load and probes, faults at their offsets (each
// reverted whatever happens), steady state again, read-back. An error means
// the run could not be carried out or a revert failed (the target may still
// be faulted); SLO verdicts and Deviations are in the Result.
func (r *Runner) Run(ctx context.Context, s *Scenario) (res Result, err error) {
	res.Scenario = s
	j := r.Journal
	j.Notef(NoteRun, s.Name, "start (seed %d, target %s): %s", s.Seed, r.Target.Name, s.Description)
	made, err := r.makeFaults(s)
	if err != nil {
		return res, err
	}
	targets, healthy, err := r.probeTargets(s)
	if err != nil {
		return res, err
	}
	if r.Target.Reset != nil {
		if err := r.Target.Reset(ctx); err != nil {
			return res, fmt.Errorf("reset target before %s: %w", s.Name, err)
		}
	}
	if err := steadyState(ctx, r.Target, healthy, targets, s.SteadyState.Within); err != nil {
		j.Check(NoteSteady, s.Name, false, "before: %v", err)
		return res, fmt.Errorf("scenario %s: steady state did not hold before the faults: %w", s.Name, err)
	}
	j.Check(NoteSteady, s.Name, true, "before: %d services healthy, %d probes good", len(healthy), len(targets))

	// Our Journal notes every inject, revert and failure; the faults
	// journal's own log would repeat them.
	fj := faults.NewJournal(slog.New(slog.DiscardHandler), faults.WithRevertTimeout(r.revertTimeout()))
	defer func() {
		// Reverts always run: on success, failure, panic or interrupt.
		if rerr := fj.RevertAll(ctx); rerr != nil {
			j.Add(Note{Kind: NoteError, Scenario: s.Name, Msg: "revert failed: " + rerr.Error()})
			err = errors.Join(err, fmt.Errorf("scenario %s: %w (the target may still be faulted)", s.Name, rerr))
		}
		res.Records = fj.Records()
	}()

	err = r.execute(ctx, s, fj, made, targets, healthy, &res)
	return res, err
}

// execute records load and probes, runs the method and judges what
// happened: the part of Run that happens while the target is being
// measured.
func (r *Runner) execute(ctx context.Context, s *Scenario, fj *faults.Journal, made []faults.Fault, targets []slo.Target, healthy []string, res *Result) error {
	j := r.Journal
	rec, err := r.startRecording(ctx, s, targets)
	if err != nil {
		return err
	}
	defer rec.stop()
	res.Input.Start = rec.start
	method := &method{r: r, s: s, fj: fj, made: made, start: rec.start}
	windows, devs, merr := method.run(ctx)
	res.Deviations = append(res.Deviations, devs...)
	if merr != nil {
		// Revert now, before waiting for in-flight writes; Run's
		// deferred RevertAll then finds nothing left (or retries).
		_ = fj.RevertAll(ctx)
		return merr
	}
	if err := rec.waitLoad(ctx); err != nil {
		return err
	}
	if err := steadyState(ctx, r.Target, healthy, targets, s.SteadyState.Within); err != nil {
		j.Check(NoteSteady, s.Name, false, "after: %v", err)
		res.Deviations = append(res.Deviations, fmt.Sprintf("steady state did not return within %v: %v", s.SteadyState.Within, err))
	} else {
		j.Check(NoteSteady, s.Name, true, "after: all healthy again")
	}
	rec.tail(ctx, s.RecoveryStreak)
	rec.stop()
	res.Input = r.input(s, rec, windows)
	if err := r.readBack(ctx, s, rec, res); err != nil {
		return err
	}
	if err := r.checkSettlements(ctx, s, res); err != nil {
		return err
	}
	obs := observed{samples: rec.obs.Samples(), events: rec.obs.Events(), healthy: healthy}
	for i := range res.Input.Faults {
		res.Input.Faults[i].WatchdogHealthy = obs.healthyAfter(res.Input.Faults[i].Injected)
	}
	res.Deviations = append(res.Deviations, r.expectations(s, obs, res.Input.Faults)...)
	j.Notef(NoteRun, s.Name, "end: %d deviations", len(res.Deviations))
	return nil
}

func (r *Runner) revertTimeout() time.Duration {
	if r.RevertTimeout > 0 {
		return r.RevertTimeout
	}
	return faults.DefaultRevertTimeout
}

func (r *Runner) probeInterval() time.Duration {
	if r.ProbeInterval > 0 {
		return r.ProbeInterval
	}
	return slo.DefaultProbeInterval
}

// makeFaults builds every fault before anything runs, so an unsupported
// fault fails fast.
func (r *Runner) makeFaults(s *Scenario) ([]faults.Fault, error) {
	out := make([]faults.Fault, len(s.Faults))
	for i, spec := range s.Faults {
		f, err := r.Target.Faults.MakeFault(spec)
		if err != nil {
			return nil, fmt.Errorf("scenario %s fault %s (%s %s %s) on target %s: %w", s.Name, spec.Name, spec.Kind, spec.Action, spec.Target, r.Target.Name, err)
		}
		out[i] = f
	}
	return out, nil
}

// radius names the probe targets (slo.Target names) of the services a
// fault of spec can make fail (Target.Radius).
func (r *Runner) radius(s *Scenario, spec FaultSpec) []string {
	probes := s.Probes
	if len(probes) == 0 {
		probes = DefaultProbes()
	}
	reached := r.Target.Radius(spec)
	var out []string
	for _, p := range probes {
		if slices.Contains(reached, p.Service) {
			out = append(out, p.Service+p.Path)
		}
	}
	if out == nil {
		out = []string{} // reaches no probed service: nothing is charged
	}
	return out
}

// probeTargets resolves the scenario's probes and steady-state services.
func (r *Runner) probeTargets(s *Scenario) ([]slo.Target, []string, error) {
	probes := s.Probes
	if len(probes) == 0 {
		probes = DefaultProbes()
	}
	var (
		out     []slo.Target
		healthy = s.SteadyState.Healthy
		seen    = map[string]bool{}
	)
	for _, p := range probes {
		u, err := r.Target.probeURL(p)
		if err != nil {
			return nil, nil, fmt.Errorf("scenario %s: %w", s.Name, err)
		}
		out = append(out, slo.Target{Name: p.Service + p.Path, URL: u, Expect: p.Expect})
		if len(s.SteadyState.Healthy) == 0 && !seen[p.Service] {
			healthy = append(healthy, p.Service)
			seen[p.Service] = true
		}
	}
	return out, healthy, nil
}

// input assembles what slo.Analyze needs.
func (r *Runner) input(s *Scenario, rec *recording, windows []slo.Window) slo.ScenarioInput {
	return slo.ScenarioInput{
		Name:            s.Name,
		Seed:            s.Seed,
		Start:           rec.start,
		End:             rec.end,
		ProbeInterval:   r.probeInterval(),
		Timelines:       rec.prober.Timelines(),
		Control:         rec.prober.ControlTimeline(),
		Ticks:           rec.prober.Ticks(),
		Faults:          windows,
		FaultsPer30Days: s.FaultsPer30Days,
		K:               s.RecoveryStreak,
	}
}

// readBack reads the workload's keys from Postgres and runs the set check.
func (r *Runner) readBack(ctx context.Context, s *Scenario, rec *recording, res *Result) error {
	if rec.ledger == nil {
		return nil
	}
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	canary, err := r.writeCanary(rctx, rec)
	if err != nil {
		r.Journal.Add(Note{Kind: NoteError, Scenario: s.Name, Msg: err.Error()})
		return fmt.Errorf("scenario %s: %w", s.Name, err)
	}
	present, err := ReadBack(rctx, r.Target.PostgresDSN, rec.prefix)
	if err != nil {
		r.Journal.Add(Note{Kind: NoteError, Scenario: s.Name, Msg: err.Error()})
		return fmt.Errorf("scenario %s: %w", s.Name, err)
	}
	set, err := slo.Check(rec.ledger, present).VerifyCanary(canary)
	r.Journal.Check(NoteReadback, s.Name, err == nil, "canary %s acknowledged, deleted and reported lost: %v", canary, cmp.Or(err, errCanaryOK))
	if err != nil {
		res.Deviations = append(res.Deviations, err.Error())
	}
	res.Input.Set = &set
	r.Journal.Check(NoteReadback, s.Name, set.OK(),
		"%d attempted, %d acknowledged, %d failed, %d unknown; %d present; lost %d, duplicates %d, unexpected %d, recovered %d",
		set.Attempted, set.Acknowledged, set.Failed, set.Unknown, set.Present,
		len(set.Lost), len(set.Duplicates), len(set.Unexpected)+len(set.FailedPresent), len(set.Recovered))
	return nil
}

// errCanaryOK is what the journal says of a set check that saw the canary.
var errCanaryOK = errors.New("the set check sees lost writes")

// writeCanary writes one payment through pgapi as the workload does,
// records it acknowledged, then deletes its row: the set check must report
// it lost (slo.SetResult.VerifyCanary), or it is blind.
func (r *Runner) writeCanary(ctx context.Context, rec *recording) (string, error) {
	key := rec.prefix + "-canary"
	w := PaymentWriter{URL: r.Target.URLs["pgapi"], Client: r.Target.httpClient(false)}
	rec.ledger.Attempt(key)
	var (
		id  string
		err error
	)
	for try := 0; try < 5; try++ {
		if id, err, _ = w.Write(ctx, key); err == nil {
			break
		}
	}
	if err != nil {
		return "", fmt.Errorf("canary write for the set check: %w", err)
	}
	rec.ledger.Ack(key, id)
	if err := DeleteKey(ctx, r.Target.PostgresDSN, key); err != nil {
		return "", fmt.Errorf("canary delete for the set check: %w", err)
	}
	return key, nil
}

// recording is the probes, observer and workload of one scenario run.
type recording struct {
	start, end time.Time
	prober     *slo.Prober
	obs        *Observer
	ledger     *slo.Ledger // nil without load
	prefix     string

	cancel   context.CancelFunc // stops prober and observer
	wg       sync.WaitGroup     // prober, observer, live
	loadDone chan struct{}      // closed when the workload returned
	stopOnce sync.Once
	now      func() time.Time
}

// startRecording starts the prober, the observer and the workload.
func (r *Runner) startRecording(ctx context.Context, s *Scenario, targets []slo.Target) (*recording, error) {
	probeClient := r.Target.httpClient(false)
	prober, err := slo.NewProber(slo.ProberConfig{Targets: targets, Control: r.Target.Control, Interval: r.probeInterval(), Client: probeClient})
	if err != nil {
		return nil, fmt.Errorf("scenario %s: %w", s.Name, err)
	}
	rec := &recording{prober: prober, obs: NewObserver(r.Target.Watchdog, 0, nil), loadDone: make(chan struct{}), now: time.Now}
	rec.obs.Skip(ctx)
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	rec.cancel = cancel
	rec.wg.Add(2)
	go func() { defer rec.wg.Done(); _ = prober.Run(bg) }()
	go func() { defer rec.wg.Done(); rec.obs.Run(bg) }()
	rec.start = rec.now()
	if r.Live != nil {
		rec.wg.Add(1)
		go func() { defer rec.wg.Done(); r.live(bg, s, rec) }()
	}
	if s.Load.PaymentsPerSecond == 0 || r.Target.PostgresDSN == "" {
		close(rec.loadDone)
		r.Journal.Notef(NoteLoad, s.Name, "probing %d targets every %v; no write load", len(targets), r.probeInterval())
		return rec, nil
	}
	rec.ledger = slo.NewLedger()
	rec.prefix = fmt.Sprintf("%s-%s", s.Name, r.RunID)
	client := r.Target.httpClient(true)
	w := slo.Workload{
		Rate: s.Load.PaymentsPerSecond, Duration: s.Load.Duration,
		MaxInFlight: s.Load.MaxInFlight, OpTimeout: s.Load.OpTimeout, Retries: s.Load.Retries,
		Seed: s.Seed, Prefix: rec.prefix,
		Do: PaymentWriter{URL: r.Target.URLs["pgapi"], Client: client}.Write,
	}
	r.Journal.Notef(NoteLoad, s.Name, "probing %d targets every %v; %v payments/s for %v (keys %s-*)",
		len(targets), r.probeInterval(), w.Rate, w.Duration, rec.prefix)
	go func() {
		defer close(rec.loadDone)
		defer client.CloseIdleConnections()
		_ = w.Run(ctx, rec.ledger)
	}()
	return rec, nil
}

// waitLoad waits for the workload to finish (it is bounded by its
// duration and op timeout).
func (rec *recording) waitLoad(ctx context.Context) error {
	select {
	case <-rec.loadDone:
		return nil
	case <-ctx.Done():
		<-rec.loadDone // the workload stops on ctx and waits for its writes
		return context.Cause(ctx)
	}
}

// tail keeps probing for a few intervals so the last recovery has its
// streak of good probes recorded.
func (rec *recording) tail(ctx context.Context, k int) {
	t := time.NewTimer(time.Duration(k+2) * slo.DefaultProbeInterval)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// stop ends the prober, observer and live line and waits for them; the
// workload is waited for as well. Safe to call twice.
func (rec *recording) stop() {
	rec.stopOnce.Do(func() {
		rec.end = rec.now()
		rec.cancel()
		rec.wg.Wait()
		<-rec.loadDone
	})
}
