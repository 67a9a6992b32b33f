// Package chaos runs Vigil's chaos scenarios: YAML files that describe a
// load, a steady state, faults at offsets and the SLOs the run must meet.
//
// A run follows Chaos Toolkit's shape (steady state → method → rollbacks →
// steady state, a journal, a non-zero exit on deviation) and Jepsen's set
// check for writes: the Runner checks the steady state, starts an slo.Prober
// and a payments slo.Workload, injects every fault at its offset through a
// Journal that always reverts (even on failure or interrupt), waits for the
// steady state again, reads the written keys back from Postgres and hands
// everything to slo.Analyze. docs/scenarios.md documents the file format.
package chaos

import (
	"time"

	"github.com/vigilhq/vigil/slo"
)

// Scenario is one parsed and validated scenario file.
type Scenario struct {
	Name        string      `yaml:"name"`        // required; [a-z0-9-]+, unique in a run
	Description string      `yaml:"description"` // one paragraph for people
	Seed        int64       `yaml:"seed"`        // required, non-zero: workload keys and fault timing
	Target      string      `yaml:"target"`      // "stack" (default) or "local"
	Load        Load        `yaml:"load"`
	Probes      []Probe     `yaml:"probes"` // default: every service's user-facing endpoint
	SteadyState SteadyState `yaml:"steady_state"`
	Faults      []FaultSpec `yaml:"faults"`
	// Objectives are this scenario's SLOs; zero fields take Vigil's
	// defaults (30s, 0.999, 0). A run is judged against the strictest
	// objectives of its scenarios (see SuiteObjectives).
	Objectives slo.Objectives `yaml:"objectives"`
	// FaultsPer30Days is how often this failure is expected in production,
	// for the 30-day availability projection; default 1.
	FaultsPer30Days float64 `yaml:"faults_per_30d"`
	// RecoveryStreak is how many consecutive good probes mark recovery;
	// default 3.
	RecoveryStreak int    `yaml:"recovery_streak"`
	Expect         Expect `yaml:"expect"`

	// Path is the file the scenario was read from ("" for bytes).
	Path string `yaml:"-"`
}

// Targets a scenario can run against.
const (
	TargetStack = "stack" // the container stack (scenarios/stack)
	TargetLocal = "local" // a live watchdog on this host, driven over its socket
)

// Load is the write workload that runs during the scenario: payments
// created through pgapi with unique Idempotency-Keys.
type Load struct {
	// PaymentsPerSecond is the write rate; 0 runs no workload (and no set
	// check).
	PaymentsPerSecond float64 `yaml:"payments_per_second"`
	// Duration is how long the method lasts: load and probes run at least
	// this long from the start, and every fault must end within it.
	// Default: the last fault's end + 10s.
	Duration time.Duration `yaml:"duration"`
	// MaxInFlight bounds concurrent writes; default 8.
	MaxInFlight int `yaml:"max_in_flight"`
	// OpTimeout bounds one write; default 5s.
	OpTimeout time.Duration `yaml:"op_timeout"`
	// Retries is how many times a write whose outcome is unknown (a 5xx,
	// a reset, a timeout) is sent again with the same Idempotency-Key, as
	// pgapi's 503 asks clients to; default 0.
	Retries int `yaml:"retries"`
}

// Probe is one user-facing endpoint the prober checks every 100 ms.
type Probe struct {
	Service string `yaml:"service"` // a supervised service (its base URL comes from the target)
	Path    string `yaml:"path"`    // e.g. /v1/payments?limit=1
	Expect  []int  `yaml:"expect"`  // good statuses; default any 2xx
}

// SteadyState must hold before the first fault and again after the last.
type SteadyState struct {
	// Healthy lists services the watchdog must report healthy; default
	// every probed service. Every probe must also answer a good status.
	Healthy []string `yaml:"healthy"`
	// Within bounds each wait for the steady state; default 90s.
	Within time.Duration `yaml:"within"`
}

// FaultSpec is one fault of the method.
type FaultSpec struct {
	Name   string            `yaml:"name"`   // default kind-action-target; unique in the scenario
	Kind   string            `yaml:"kind"`   // process, container, link, port, postgres, watchdog
	Action string            `yaml:"action"` // per kind, see Kinds
	Target string            `yaml:"target"` // a service, container or link name
	Params map[string]string `yaml:"params"` // per action, see Kinds
	// At is the offset from the start of the method.
	At time.Duration `yaml:"at"`
	// Duration is how long the fault lasts before it is reverted; 0 for
	// instantaneous faults (kills), which have nothing to revert.
	Duration time.Duration `yaml:"duration"`
	// Every repeats an instantaneous fault every interval for Duration
	// (a crash loop). Recovery is measured from the last repetition.
	Every time.Duration `yaml:"every"`
	// RecoveryMax, when set, is a tighter recovery bound for this fault
	// than the scenario's objective: what the fault may cost when the
	// watchdog does its job (e.g. a restart after a stable run is
	// immediate), so a regression well under 30 s still fails.
	RecoveryMax time.Duration `yaml:"recovery_max"`
}

// End is when the fault is over, from the start of the method.
func (f FaultSpec) End() time.Duration { return f.At + f.Duration }

// Expect are the scenario's assertions about what the watchdog did, beyond
// the SLOs. Every listed assertion must hold for the scenario to pass.
type Expect struct {
	Restarted    []string       `yaml:"restarted"`     // each restarted at least once during the run
	NotRestarted []string       `yaml:"not_restarted"` // each kept its process for the whole run
	Health       []HealthExpect `yaml:"health"`
	PortHolder   []HolderExpect `yaml:"port_holder"`
	Events       []EventExpect  `yaml:"events"`
}

// HealthExpect asserts the health the watchdog reported for a service while
// a fault was in effect (from injection to revert, or to the next 5s for an
// instantaneous fault).
type HealthExpect struct {
	Service string   `yaml:"service"`
	During  string   `yaml:"during"` // a fault name
	Is      []string `yaml:"is"`     // at least one of these was reported (healthy, degraded, unhealthy, blocked)
	Never   []string `yaml:"never"`  // none of these was reported
}

// HolderExpect asserts that the watchdog reported who held a service's port.
type HolderExpect struct {
	Service string `yaml:"service"`
	Port    int    `yaml:"port"`
}

// EventExpect bounds how many watchdog events of a kind a service had
// during the run (e.g. start_limit at most 1, port_conflict at least 1).
type EventExpect struct {
	Service string `yaml:"service"`
	Kind    string `yaml:"kind"`
	Min     int    `yaml:"min"`
	Max     *int   `yaml:"max"` // nil: no upper bound
}
