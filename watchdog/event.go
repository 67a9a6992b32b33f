package watchdog

import "time"

// EventKind names what happened. Kinds are stable strings: alerts filter on
// them and /v1/events returns them.
type EventKind string

// Event kinds.
const (
	EventStateChange   EventKind = "state_change"   // a service moved between states
	EventStarted       EventKind = "started"        // a process was spawned
	EventExited        EventKind = "exited"         // a process ended
	EventRestart       EventKind = "restart"        // a restart was decided (reason says why)
	EventStartLimit    EventKind = "start_limit"    // burst exceeded: service failed until cooldown
	EventPortConflict  EventKind = "port_conflict"  // a declared port is held by another process
	EventMemoryRestart EventKind = "memory_restart" // group RSS above max_memory
	EventHealth        EventKind = "health"         // a service's health status changed
	EventCheck         EventKind = "check"          // one check changed between passing and failing
	EventOrphans       EventKind = "orphans"        // group members survived SIGKILL
	EventAdopted       EventKind = "adopted"        // a running process was adopted after a watchdog restart
	EventReload        EventKind = "reload"         // configuration reloaded (or refused)
	EventError         EventKind = "error"          // anything else an operator must see
)

// Severity grades events for alerting.
type Severity string

// Severities.
const (
	SeverityInfo     Severity = "info"
	SeverityWarning  Severity = "warning"
	SeverityCritical Severity = "critical"
)

// Event is one typed fact emitted by the supervisor. It is the single source
// of truth for status, the API, metrics, logs and alerts.
type Event struct {
	Seq      uint64    `json:"seq"`
	Time     time.Time `json:"time"`
	Kind     EventKind `json:"kind"`
	Severity Severity  `json:"severity"`
	Service  string    `json:"service,omitempty"`
	From     State     `json:"from,omitempty"`
	To       State     `json:"to,omitempty"`
	PID      int       `json:"pid,omitempty"`
	ExitCode *int      `json:"exit_code,omitempty"`
	Signal   string    `json:"signal,omitempty"`
	Attempt  int       `json:"attempt,omitempty"`
	Check    string    `json:"check,omitempty"`
	Health   Health    `json:"health,omitempty"`
	Reason   string    `json:"reason,omitempty"`
	// Holder is set on port conflicts: who holds the port.
	Holder *PortHolder `json:"holder,omitempty"`
	// Recovered marks the end of a problem (health back to healthy, port free).
	Recovered bool `json:"recovered,omitempty"`
}

// PortHolder is a process found listening on a port a service needs.
type PortHolder struct {
	Port    int    `json:"port"`
	PID     int    `json:"pid"`
	Command string `json:"command"`
}

// Health is a service's or the host's health level.
type Health string

// Health levels.
const (
	HealthHealthy   Health = "healthy"
	HealthDegraded  Health = "degraded"
	HealthUnhealthy Health = "unhealthy"
	HealthBlocked   Health = "blocked"
)
