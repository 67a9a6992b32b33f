package chaos

import (
	"context"
	"fmt"
	"maps"
	"syscall"

	"github.com/vigilhq/vigil/faults"
)

// FaultDef is one row of the fault table: a kind and action a scenario may
// name, what it accepts, how long it lasts, what it reaches, what it does
// on each target (the docs), and how each target builds it.
type FaultDef struct {
	Kind, Action string
	// Timed actions last Duration and are reverted; the others are
	// instantaneous (a kill) and must have no duration unless repeated
	// with every.
	Timed bool
	// Params are the parameters the action accepts.
	Params []Param
	// Reach is the fault's blast radius rule (see Target.Radius).
	Reach Reach
	// Stack and Local say what the fault does on each target, for
	// docs/scenarios.md; "" when that target cannot inject it.
	Stack, Local string

	// both builds the fault on either target from what they share;
	// stack and local, when set, are that target's own way.
	both  func(h faultHost, spec FaultSpec) (faults.Fault, error)
	stack func(f *stackFaults, spec FaultSpec) (faults.Fault, error)
	local func(f localFaults, spec FaultSpec) (faults.Fault, error)
}

// Param is one parameter of a fault action, given as a string in the
// scenario's params.
type Param struct {
	Name string
	// Default is used when the scenario does not give the parameter; ""
	// when the builder works it out (a service's port).
	Default string
	Doc     string
}

// Reach says which services a fault can make fail: a failure is charged to
// the fault only on those; elsewhere it is collateral.
type Reach int

const (
	// ReachService: the target service and every service that depends on
	// it, directly or not.
	ReachService Reach = iota
	// ReachDependents: the services that depend on the target (a link,
	// Postgres, a container), directly or not.
	ReachDependents
	// ReachAll: every service (the watchdog itself).
	ReachAll
)

// String is the word docs/scenarios.md uses for r.
func (r Reach) String() string {
	switch r {
	case ReachService:
		return "service"
	case ReachDependents:
		return "dependents"
	case ReachAll:
		return "all"
	}
	return fmt.Sprintf("Reach(%d)", int(r))
}

// faultHost is what both targets give the builders they share.
type faultHost interface {
	// finder resolves a service to the host pid of its process.
	finder() faults.PIDFunc
	// supervisorPID returns the host pid of the supervising watchdog.
	supervisorPID(ctx context.Context, _ string) (int, error)
	// postgresDSN is the application database.
	postgresDSN() string
}

// FaultTable is every fault kind and action, in the order docs list them.
// The format accepts all of them; each target injects those it has a
// builder for.
func FaultTable() []FaultDef {
	durationParam := func(name, doc string) Param { return Param{Name: name, Default: "0s", Doc: doc} }
	return []FaultDef{
		{Kind: "process", Action: "kill", both: signal(syscall.SIGKILL),
			Stack: "SIGKILL the pid the watchdog reports, mapped to the host pid",
			Local: "SIGKILL the pid the watchdog reports"},
		{Kind: "process", Action: "term", both: signal(syscall.SIGTERM),
			Stack: "SIGTERM the pid the watchdog reports, mapped to the host pid: a graceful exit the watchdog restarts",
			Local: "SIGTERM the pid the watchdog reports"},
		{Kind: "process", Action: "freeze", Timed: true, both: signal(syscall.SIGSTOP),
			Stack: "SIGSTOP the service (a hang), SIGCONT on revert",
			Local: "same"},
		{Kind: "process", Action: "wedge", Timed: true, both: wedge,
			Stack: "ptrace-stop every thread (the runner is the tracer): the process acts on no SIGTERM and no SIGCONT, so only SIGKILL ends it; detached on revert",
			Local: "same"},
		{Kind: "container", Action: "kill", Timed: true, Reach: ReachDependents, stack: (*stackFaults).container,
			Stack: "SIGKILL the container (postgres, toxiproxy, solana, stack), `docker start` after duration"},
		{Kind: "container", Action: "pause", Timed: true, Reach: ReachDependents, stack: (*stackFaults).container,
			Stack: "pause the container, unpause on revert"},
		{Kind: "container", Action: "stop", Timed: true, Reach: ReachDependents, stack: (*stackFaults).container,
			Stack: "stop the container, start it on revert"},
		{Kind: "container", Action: "restart", Reach: ReachDependents, stack: (*stackFaults).container,
			Stack: "`docker restart`"},
		{Kind: "link", Action: "cut", Timed: true, Reach: ReachDependents, stack: (*stackFaults).linkCut,
			Stack: "disable the Toxiproxy proxy (postgres, solana), enable it on revert"},
		{Kind: "link", Action: "latency", Timed: true, Reach: ReachDependents, stack: (*stackFaults).linkLatency,
			Params: []Param{durationParam("latency", "added delay"), durationParam("jitter", "random ± on it")},
			Stack:  "Toxiproxy latency toxic on the link"},
		{Kind: "link", Action: "reset_peer", Timed: true, Reach: ReachDependents, stack: (*stackFaults).linkResetPeer,
			Params: []Param{durationParam("timeout", "how long before the reset")},
			Stack:  "Toxiproxy reset_peer toxic: connections reset after timeout"},
		{Kind: "link", Action: "bandwidth", Timed: true, Reach: ReachDependents, stack: (*stackFaults).linkBandwidth,
			Params: []Param{{Name: "rate", Default: "10", Doc: "KB/s"}},
			Stack:  "Toxiproxy bandwidth toxic: the link limited to rate"},
		{Kind: "link", Action: "slow_close", Timed: true, Reach: ReachDependents, stack: (*stackFaults).linkSlowClose,
			Params: []Param{durationParam("delay", "how long closing takes")},
			Stack:  "Toxiproxy slow_close toxic: closing connections delayed"},
		{Kind: "port", Action: "occupy", Timed: true, stack: (*stackFaults).occupy, local: localFaults.occupy,
			Params: []Param{{Name: "port", Doc: "default the service's"}},
			Stack:  "kill the service, bind its port inside the container's network namespace, hand it to a capability-less `sleep` in the container's pid namespace (so the watchdog can name it)",
			Local:  "kill the service, then hold 127.0.0.1:port"},
		{Kind: "port", Action: "flood", Timed: true, stack: (*stackFaults).flood, local: localFaults.flood,
			Params: []Param{{Name: "port", Doc: "local only; default the service's"}, {Name: "connections", Default: "100"}},
			Stack:  "hold idle connections to the service's host port",
			Local:  "hold idle connections to 127.0.0.1:port"},
		{Kind: "postgres", Action: "kill", Timed: true, Reach: ReachDependents, stack: (*stackFaults).container, local: localFaults.killPostgres,
			Stack: "SIGKILL the postmaster (PID 1 of its container), start after duration: crash recovery",
			Local: "SIGKILL the supervised `postgres` service"},
		{Kind: "postgres", Action: "terminate", Reach: ReachDependents, both: terminate,
			Stack: "pg_terminate_backend for every backend of the application database",
			Local: "same, `--dsn`"},
		{Kind: "postgres", Action: "abort_commit", Timed: true, Reach: ReachDependents, both: abortCommit,
			Params: []Param{{Name: "table", Default: "payments"}, {Name: "probability", Default: "0.3", Doc: "share of the transactions, in (0, 1]"}},
			Stack:  "a deferred constraint trigger raises at COMMIT for that share of the transactions inserting into the table, after the INSERT succeeded; dropped on revert",
			Local:  "same, `--dsn`"},
		{Kind: "watchdog", Action: "kill", Reach: ReachAll, both: killWatchdog,
			Stack: "SIGKILL the supervisor (`watchdog run`, the child of the stack container's PID 1 `watchdog init`)",
			Local: "SIGKILL the pid behind the control socket (SO_PEERCRED)"},
		solanaFault("behind", "getHealth answers -32005 behind by behind_slots", Param{Name: "behind_slots", Default: "150"}),
		solanaFault("unknown", "getHealth answers -32005 with numSlotsBehind null: health unknown"),
		solanaFault("stalled", "the slot stops advancing while getHealth says ok"),
		solanaFault("slow", "every RPC answer is held for delay", Param{Name: "delay", Default: "2s"}),
		solanaFault("pubsub_down", "every PubSub websocket is dropped and new ones refused; RPC stays healthy"),
		solanaFault("pubsub_slow", "every PubSub notification is held for delay", Param{Name: "delay", Default: "2s"}),
	}
}

// lookupFault returns the row of kind and action.
func lookupFault(kind, action string) (FaultDef, bool) {
	for _, d := range FaultTable() {
		if d.Kind == kind && d.Action == action {
			return d, true
		}
	}
	return FaultDef{}, false
}

// faultKinds returns every kind's actions.
func faultKinds() map[string][]string {
	out := map[string][]string{}
	for _, d := range FaultTable() {
		out[d.Kind] = append(out[d.Kind], d.Action)
	}
	return out
}

// param returns the row's parameter called name.
func (d FaultDef) param(name string) (Param, bool) {
	for _, p := range d.Params {
		if p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}

// paramNames returns the names of the row's parameters.
func (d FaultDef) paramNames() []string {
	out := make([]string, len(d.Params))
	for i, p := range d.Params {
		out[i] = p.Name
	}
	return out
}

// withDefaults returns spec with every parameter it leaves out that has a
// default set to it; spec itself is not changed.
func (d FaultDef) withDefaults(spec FaultSpec) FaultSpec {
	params := maps.Clone(spec.Params)
	if params == nil {
		params = map[string]string{}
	}
	for _, p := range d.Params {
		if _, ok := params[p.Name]; !ok && p.Default != "" {
			params[p.Name] = p.Default
		}
	}
	spec.Params = params
	return spec
}

// makeFault builds spec's fault with the builder of target name: its own
// (own, from the row's stack or local field) or the shared one on h.
func makeFault[T faultHost](name string, h T, spec FaultSpec, own func(FaultDef) func(T, FaultSpec) (faults.Fault, error)) (faults.Fault, error) {
	d, ok := lookupFault(spec.Kind, spec.Action)
	if ok {
		spec = d.withDefaults(spec)
		if b := own(d); b != nil {
			return b(h, spec)
		}
		if d.both != nil {
			return d.both(h, spec)
		}
	}
	return nil, fmt.Errorf("%w: %s %s on %s", ErrUnsupported, spec.Kind, spec.Action, name)
}
