// Package watchdog supervises a host's services from one vigil.yaml: it starts
// them in dependency order, restarts them with backoff and a start limit, stops
// whole process groups, runs health checks and emits typed events that the
// API, metrics, logs and alerts all read.
package watchdog

import "fmt"

// State is a service's supervision state.
type State int

// Service states. Allowed transitions are listed in transitions.
const (
	StateStopped  State = iota // not running, not wanted
	StateStarting              // process spawned, waiting for it to be up
	StateRunning               // process up
	StateStopping              // stop signal sent, waiting for the group to exit
	StateExited                // process ended; a restart decision is pending
	StateBackoff               // waiting before the next start
	StateFailed                // start limit hit or unrecoverable; retried after cooldown
)

var stateNames = [...]string{"stopped", "starting", "running", "stopping", "exited", "backoff", "failed"}

// String returns the lower-case state name used in status, API and metrics.
func (s State) String() string {
	if int(s) < 0 || int(s) >= len(stateNames) {
		return fmt.Sprintf("state(%d)", int(s))
	}
	return stateNames[s]
}

// MarshalText renders the state by name in JSON.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText parses a state name.
func (s *State) UnmarshalText(b []byte) error {
	for i, n := range stateNames {
		if n == string(b) {
			*s = State(i)
			return nil
		}
	}
	return fmt.Errorf("unknown state %q", b)
}

// States lists every state, for metrics.
func States() []State {
	out := make([]State, len(stateNames))
	for i := range out {
		out[i] = State(i)
	}
	return out
}

// transitions[from] lists the states a service may move to.
var transitions = map[State][]State{
	StateStopped:  {StateStarting, StateBackoff, StateFailed},
	StateStarting: {StateRunning, StateExited, StateStopping, StateBackoff, StateFailed},
	StateRunning:  {StateStopping, StateExited},
	StateStopping: {StateStopped, StateExited},
	StateExited:   {StateStarting, StateBackoff, StateStopped, StateFailed},
	StateBackoff:  {StateStarting, StateStopped, StateFailed, StateBackoff},
	StateFailed:   {StateStarting, StateStopped, StateBackoff},
}

// CanTransition reports whether from → to is an allowed transition.
func CanTransition(from, to State) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}
