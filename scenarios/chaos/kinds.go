package chaos

import "sort"

// Action describes one fault action a scenario may name.
type Action struct {
	// Timed actions last Duration and are reverted; the others are
	// instantaneous (a kill) and must have no duration unless repeated
	// with every.
	Timed bool
	// Params are the parameter names the action accepts.
	Params []string
	// Doc is one line for docs and `chaos list --kinds`.
	Doc string
	// Reach is the fault's blast radius rule (see Target.Radius).
	Reach Reach
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

// Kinds is the catalogue of fault kinds and their actions. The target
// (stack or local) decides which it can inject; the format accepts all.
func Kinds() map[string]map[string]Action {
	return map[string]map[string]Action{
		"process": {
			"kill":   {Doc: "SIGKILL the service's process group leader (target: service)"},
			"term":   {Doc: "SIGTERM the service's process: a graceful exit the watchdog restarts"},
			"freeze": {Timed: true, Doc: "SIGSTOP the service, SIGCONT on revert (a hang)"},
			"wedge":  {Timed: true, Doc: "ptrace-stop every thread of the service: it acts on no SIGTERM or SIGCONT, only SIGKILL ends it; detached on revert"},
		},
		"container": {
			"kill":    {Timed: true, Reach: ReachDependents, Doc: "SIGKILL a container (target: postgres, toxiproxy, solana, stack); started again after duration"},
			"pause":   {Timed: true, Reach: ReachDependents, Doc: "pause a container, unpause on revert"},
			"stop":    {Timed: true, Reach: ReachDependents, Doc: "stop a container, start it on revert"},
			"restart": {Reach: ReachDependents, Doc: "restart a container"},
		},
		"link": {
			"cut":        {Timed: true, Reach: ReachDependents, Doc: "disable the Toxiproxy link (target: postgres, solana)"},
			"latency":    {Timed: true, Reach: ReachDependents, Params: []string{"latency", "jitter"}, Doc: "add latency (and jitter) to the link"},
			"reset_peer": {Timed: true, Reach: ReachDependents, Params: []string{"timeout"}, Doc: "reset connections after timeout"},
			"bandwidth":  {Timed: true, Reach: ReachDependents, Params: []string{"rate"}, Doc: "limit the link to rate KB/s"},
			"slow_close": {Timed: true, Reach: ReachDependents, Params: []string{"delay"}, Doc: "delay closing connections"},
		},
		"port": {
			"occupy": {Timed: true, Params: []string{"port"}, Doc: "kill the service and hold its port so the restart finds it taken"},
			"flood":  {Timed: true, Params: []string{"port", "connections"}, Doc: "open connections to the port (bounded count and time)"},
		},
		"postgres": {
			"abort_commit": {Timed: true, Reach: ReachDependents, Params: []string{"table", "probability"},
				Doc: "abort a share (probability, default 0.3) of the transactions inserting into table (default payments) at COMMIT, after the INSERT succeeded"},
			"terminate": {Reach: ReachDependents, Doc: "terminate the application's backends (pg_terminate_backend)"},
			"kill":      {Timed: true, Reach: ReachDependents, Doc: "SIGKILL the postmaster; restarted after duration (crash recovery)"},
		},
		"watchdog": {
			"kill": {Reach: ReachAll, Doc: "SIGKILL the watchdog itself"},
		},
		"solana": solanaActions(),
	}
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
