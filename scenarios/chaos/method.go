package chaos

import (
	"cmp"
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/vigilhq/vigil/faults"
	"github.com/vigilhq/vigil/slo"
)

// step is one scheduled action of the method.
type step struct {
	at     time.Duration
	fault  int  // index into the scenario's faults
	revert bool // false: inject
}

// method injects a scenario's faults at their offsets through the faults
// journal and reverts timed ones when their duration is up.
type method struct {
	r     *Runner
	s     *Scenario
	fj    *faults.Journal
	made  []faults.Fault
	start time.Time

	state []faultState // per fault, set by run
	devs  []string
}

// schedule lists every inject and revert in time order (reverts first on
// ties so back-to-back faults do not overlap).
func (m *method) schedule() []step {
	var steps []step
	for i, f := range m.s.Faults {
		switch {
		case f.Every > 0:
			for at := f.At; at < f.End(); at += f.Every {
				steps = append(steps, step{at: at, fault: i})
			}
		case f.Duration > 0:
			steps = append(steps, step{at: f.At, fault: i}, step{at: f.End(), fault: i, revert: true})
		default:
			steps = append(steps, step{at: f.At, fault: i})
		}
	}
	sort.SliceStable(steps, func(a, b int) bool {
		if steps[a].at != steps[b].at {
			return steps[a].at < steps[b].at
		}
		return steps[a].revert && !steps[b].revert
	})
	return steps
}

// faultState is what the method knows about one fault.
type faultState struct {
	window   slo.Window
	revert   faults.Revert
	injected int  // successful injections
	skipped  bool // the operator said no
}

// run carries out the schedule and returns one window per injected fault
// and the deviations (skipped faults). A repeated fault's window starts at
// its last successful injection: recovery is measured once the crash loop
// stops. An error aborts the method (the caller's deferred RevertAll still
// reverts).
func (m *method) run(ctx context.Context) ([]slo.Window, []string, error) {
	m.state = make([]faultState, len(m.s.Faults))
	for _, st := range m.schedule() {
		spec := m.s.Faults[st.fault]
		if err := m.waitUntil(ctx, st.at); err != nil {
			return nil, m.devs, fmt.Errorf("scenario %s interrupted before %s: %w", m.s.Name, spec.Name, err)
		}
		fs := &m.state[st.fault]
		var err error
		switch {
		case fs.skipped:
		case st.revert:
			err = m.revertOne(ctx, spec, fs)
		default:
			err = m.injectOne(ctx, spec, st.fault, fs)
		}
		if err != nil {
			return nil, m.devs, err
		}
	}
	var out []slo.Window
	for _, fs := range m.state {
		if fs.injected > 0 {
			out = append(out, fs.window)
		}
	}
	return out, m.devs, nil
}

// revertOne reverts a timed fault when its duration is up.
func (m *method) revertOne(ctx context.Context, spec FaultSpec, fs *faultState) error {
	if fs.revert == nil {
		return nil
	}
	if err := fs.revert(ctx); err != nil {
		return fmt.Errorf("scenario %s: %w", m.s.Name, err)
	}
	fs.window.Reverted = time.Now()
	m.r.Journal.Add(Note{Kind: NoteRevert, Scenario: m.s.Name, Fault: spec.Name, Msg: "reverted"})
	return nil
}

// injectOne injects fault i (asking the operator first on a game day).
func (m *method) injectOne(ctx context.Context, spec FaultSpec, i int, fs *faultState) error {
	if fs.injected == 0 && m.r.Confirm != nil {
		ok, err := m.confirm(ctx, spec)
		if err != nil || !ok {
			fs.skipped = !ok
			return err
		}
	}
	rv, err := m.fj.Inject(ctx, m.made[i])
	if err != nil {
		if spec.Every > 0 && fs.injected > 0 {
			// In a crash loop the process may be down (in backoff)
			// when the next kill comes: that is the loop working.
			m.r.Journal.Add(Note{Kind: NoteInject, Scenario: m.s.Name, Fault: spec.Name, Msg: "repeat not injected: " + err.Error()})
			return nil
		}
		m.r.Journal.Add(Note{Kind: NoteError, Scenario: m.s.Name, Fault: spec.Name, Msg: err.Error()})
		return fmt.Errorf("scenario %s fault %s: %w", m.s.Name, spec.Name, err)
	}
	now := time.Now()
	fs.injected++
	fs.revert = rv
	first := fs.window.First
	fs.window = slo.Window{Name: spec.Name, Injected: now, Radius: m.r.radius(m.s, spec), RecoveryMax: spec.RecoveryMax}
	if spec.Every > 0 {
		fs.window.Reverted = now
		fs.window.First = cmp.Or(first, now)
	}
	m.r.Journal.Add(Note{Kind: NoteInject, Scenario: m.s.Name, Fault: spec.Name, Service: spec.Target,
		Msg: fmt.Sprintf("%s %s %s (#%d) at +%v", spec.Kind, spec.Action, spec.Target, fs.injected, now.Sub(m.start).Round(time.Millisecond))})
	return nil
}

// confirm asks the operator; a no is journalled and is a deviation.
func (m *method) confirm(ctx context.Context, spec FaultSpec) (bool, error) {
	asked := time.Now()
	ok, err := m.r.Confirm(ctx, m.s, spec)
	// The operator's thinking time does not eat into the schedule.
	m.start = m.start.Add(time.Since(asked))
	if err != nil {
		return false, err
	}
	if !ok {
		m.r.Journal.Add(Note{Kind: NoteConfirm, Scenario: m.s.Name, Fault: spec.Name, Msg: "skipped by the operator"})
		m.devs = append(m.devs, fmt.Sprintf("fault %s skipped by the operator", spec.Name))
		return false, nil
	}
	m.r.Journal.Add(Note{Kind: NoteConfirm, Scenario: m.s.Name, Fault: spec.Name, Msg: "confirmed by the operator"})
	return true, nil
}

// waitUntil blocks until start+at or ctx ends.
func (m *method) waitUntil(ctx context.Context, at time.Duration) error {
	d := time.Until(m.start.Add(at))
	if d <= 0 {
		return ctx.Err()
	}
	return faults.Hold(d)(ctx) // a fault's hold is the same wait
}
