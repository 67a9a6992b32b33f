package alert

import (
	"github.com/vigilhq/vigil/watchdog"
)

// op is what an event does to a problem.
type op int

const (
	opRaise        op = iota // the problem starts, or its detail changes
	opClear                  // the problem ends
	opOnce                   // a one-shot occurrence (no recovery, no reminders)
	opClearService           // every problem of the service ends (it was stopped)
)

// change is one event's effect on one problem.
type change struct {
	op      op
	kind    watchdog.EventKind
	service string
	// detail distinguishes states of a raised problem: a new detail alerts again
	// (unhealthy → blocked), the same detail is deduplicated.
	detail string
	ev     watchdog.Event
}

// key names the problem the change belongs to.
func (c change) key() string { return problemKey(c.service, c.kind) }

func problemKey(service string, kind watchdog.EventKind) string {
	if service == "" {
		return string(kind)
	}
	return service + "/" + string(kind)
}

// AlertingKinds lists the event kinds that produce alerts, in the order docs
// list them. A sink's events filter may name only these.
func AlertingKinds() []watchdog.EventKind {
	return []watchdog.EventKind{
		watchdog.EventHealth,
		watchdog.EventStartLimit,
		watchdog.EventPortConflict,
		watchdog.EventMemoryRestart,
		watchdog.EventOrphans,
		watchdog.EventError,
	}
}

// classify maps an event to its effect on problems; most events have none.
func classify(ev watchdog.Event) []change {
	c := change{kind: ev.Kind, service: ev.Service, ev: ev}
	switch ev.Kind {
	case watchdog.EventHealth:
		switch {
		case ev.Recovered:
			c.op = opClear
		case ev.Health == watchdog.HealthUnhealthy || ev.Health == watchdog.HealthBlocked:
			c.op, c.detail = opRaise, string(ev.Health)
		case ev.Health == watchdog.HealthHealthy || ev.Health == watchdog.HealthDegraded:
			// Degraded means only non-critical checks fail: the critical
			// problem is over, the status page shows the rest.
			c.op = opClear
		default:
			return nil
		}
	case watchdog.EventStartLimit, watchdog.EventPortConflict:
		c.op = opRaise
		if ev.Recovered {
			c.op = opClear
		}
	case watchdog.EventMemoryRestart, watchdog.EventOrphans, watchdog.EventError:
		if ev.Recovered {
			return nil
		}
		c.op = opOnce
	case watchdog.EventStateChange:
		return classifyState(ev)
	default:
		return nil
	}
	return []change{c}
}

// classifyState derives problem changes from state transitions: reaching
// running ends a start-limit or port problem; failed raises the start limit
// problem (deduplicated with the start_limit event); stopped ends everything.
func classifyState(ev watchdog.Event) []change {
	mk := func(o op, k watchdog.EventKind) change {
		return change{op: o, kind: k, service: ev.Service, ev: ev}
	}
	switch ev.To {
	case watchdog.StateRunning:
		return []change{mk(opClear, watchdog.EventStartLimit), mk(opClear, watchdog.EventPortConflict)}
	case watchdog.StateFailed:
		return []change{mk(opRaise, watchdog.EventStartLimit)}
	case watchdog.StateStopped:
		return []change{mk(opClearService, "")}
	}
	return nil
}
