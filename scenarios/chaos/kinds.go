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
}

// Kinds is the catalogue of fault kinds and their actions. The target
// (stack or local) decides which it can inject; the format accepts all.
func Kinds() map[string]map[string]Action {
	return map[string]map[string]Action{
		"process": {
			"kill":   {Doc: "SIGKILL the service's process group leader (target: service)"},
			"term":   {Doc: "SIGTERM the service's process: a graceful exit the watchdog restarts"},
			"freeze": {Timed: true, Doc: "SIGSTOP the service, SIGCONT on revert (a hang)"},
		},
		"container": {
			"kill":    {Timed: true, Doc: "SIGKILL a container (target: postgres, toxiproxy, solana, stack); started again after duration"},
			"pause":   {Timed: true, Doc: "pause a container, unpause on revert"},
			"stop":    {Timed: true, Doc: "stop a container, start it on revert"},
			"restart": {Doc: "restart a container"},
		},
		"link": {
			"cut":        {Timed: true, Doc: "disable the Toxiproxy link (target: postgres, solana)"},
			"latency":    {Timed: true, Params: []string{"latency", "jitter"}, Doc: "add latency (and jitter) to the link"},
			"reset_peer": {Timed: true, Params: []string{"timeout"}, Doc: "reset connections after timeout"},
			"bandwidth":  {Timed: true, Params: []string{"rate"}, Doc: "limit the link to rate KB/s"},
			"slow_close": {Timed: true, Params: []string{"delay"}, Doc: "delay closing connections"},
		},
		"port": {
			"occupy": {Timed: true, Params: []string{"port"}, Doc: "kill the service and hold its port so the restart finds it taken"},
			"flood":  {Timed: true, Params: []string{"port", "connections"}, Doc: "open connections to the port (bounded count and time)"},
		},
		"postgres": {
			"terminate": {Doc: "terminate the application's backends (pg_terminate_backend)"},
			"kill":      {Timed: true, Doc: "SIGKILL the postmaster; restarted after duration (crash recovery)"},
		},
		"watchdog": {
			"kill": {Doc: "SIGKILL the watchdog itself"},
		},
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
