package chaos

import (
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
	rec   *recording
	start time.Time
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

// run carries out the schedule and returns one window per fault. A
// repeated fault's window starts at its last successful injection: recovery
// is measured once the crash loop stops. An error aborts the method (the
// caller's deferred RevertAll still reverts).
func (m *method) run(ctx context.Context) ([]slo.Window, []string, error) {
	windows := make([]slo.Window, len(m.s.Faults))
	reverts := make([]faults.Revert, len(m.s.Faults))
	injected := make([]int, len(m.s.Faults))
	skipped := make([]bool, len(m.s.Faults))
	var devs []string
	for _, st := range m.schedule() {
		spec := m.s.Faults[st.fault]
		if err := m.waitUntil(ctx, st.at); err != nil {
			return nil, devs, fmt.Errorf("scenario %s interrupted before %s: %w", m.s.Name, spec.Name, err)
		}
		if skipped[st.fault] {
			continue
		}
		if st.revert {
			if reverts[st.fault] == nil {
				continue
			}
			if err := reverts[st.fault](ctx); err != nil {
				return nil, devs, fmt.Errorf("scenario %s: %w", m.s.Name, err)
			}
			windows[st.fault].Reverted = time.Now()
			m.r.Journal.Add(Note{Kind: NoteRevert, Scenario: m.s.Name, Fault: spec.Name, Msg: "reverted"})
			continue
		}
		if injected[st.fault] == 0 && m.r.Confirm != nil {
			asked := time.Now()
			ok, err := m.r.Confirm(ctx, m.s, spec)
			// The operator's thinking time does not eat into the schedule.
			m.start = m.start.Add(time.Since(asked))
			if err != nil {
				return nil, devs, err
			}
			if !ok {
				skipped[st.fault] = true
				m.r.Journal.Add(Note{Kind: NoteConfirm, Scenario: m.s.Name, Fault: spec.Name, Msg: "skipped by the operator"})
				devs = append(devs, fmt.Sprintf("fault %s skipped by the operator", spec.Name))
				continue
			}
			m.r.Journal.Add(Note{Kind: NoteConfirm, Scenario: m.s.Name, Fault: spec.Name, Msg: "confirmed by the operator"})
		}
		rv, err := m.fj.Inject(ctx, m.made[st.fault])
		if err != nil {
			if spec.Every > 0 && injected[st.fault] > 0 {
				// In a crash loop the process may be down (in backoff)
				// when the next kill comes: that is the loop working.
				m.r.Journal.Add(Note{Kind: NoteInject, Scenario: m.s.Name, Fault: spec.Name, Msg: "repeat not injected: " + err.Error()})
				continue
			}
			m.r.Journal.Add(Note{Kind: NoteError, Scenario: m.s.Name, Fault: spec.Name, Msg: err.Error()})
			return nil, devs, fmt.Errorf("scenario %s fault %s: %w", m.s.Name, spec.Name, err)
		}
		now := time.Now()
		injected[st.fault]++
		reverts[st.fault] = rv
		windows[st.fault] = slo.Window{Name: spec.Name, Injected: now}
		if spec.Every > 0 {
			windows[st.fault].Reverted = now
		}
		m.r.Journal.Add(Note{Kind: NoteInject, Scenario: m.s.Name, Fault: spec.Name, Service: spec.Target,
			Msg: fmt.Sprintf("%s %s %s (#%d) at +%v", spec.Kind, spec.Action, spec.Target, injected[st.fault], now.Sub(m.start).Round(time.Millisecond))})
	}
	var out []slo.Window
	for i, w := range windows {
		if injected[i] > 0 {
			out = append(out, w)
		}
	}
	return out, devs, nil
}

// waitUntil blocks until start+at or ctx ends.
func (m *method) waitUntil(ctx context.Context, at time.Duration) error {
	d := time.Until(m.start.Add(at))
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
