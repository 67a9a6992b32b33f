package watchdog

import "time"

// Status is a point-in-time view of the whole watchdog, as served by /health,
// `watchdog status` and /v1/services.
type Status struct {
	Status    Health    `json:"status"`
	Version   string    `json:"version,omitempty"`
	PID       int       `json:"pid"` // the watchdog's own pid
	StartedAt time.Time `json:"started_at"`
	Uptime    Duration  `json:"uptime"`
	// EscapeHandling says how descendants that leave a service's process
	// group (setsid, double fork) are found and stopped: EscapeSubreaper or
	// EscapeGroup (docs/supervision.md).
	EscapeHandling string          `json:"escape_handling,omitempty"`
	Services       []ServiceStatus `json:"services"`
}

// ServiceStatus is one service's state. It never holds environment values.
type ServiceStatus struct {
	Name      string        `json:"name"`
	State     State         `json:"state"`
	Health    Health        `json:"health"`
	Critical  bool          `json:"critical"`
	PID       int           `json:"pid,omitempty"`
	PGID      int           `json:"pgid,omitempty"`
	StartedAt *time.Time    `json:"started_at,omitempty"`
	Uptime    Duration      `json:"uptime,omitempty"`
	Restarts  int           `json:"restarts"`
	LastExit  *Exit         `json:"last_exit,omitempty"`
	NextStart *time.Time    `json:"next_start,omitempty"`
	Reason    string        `json:"reason,omitempty"`
	Holders   []PortHolder  `json:"port_holders,omitempty"`
	Checks    []CheckStatus `json:"checks,omitempty"`
	RSS       int64         `json:"rss_bytes,omitempty"`
	Adopted   bool          `json:"adopted,omitempty"`
}

// Exit describes how a process ended.
type Exit struct {
	Time   time.Time `json:"time"`
	Code   int       `json:"code"`             // -1 when killed by a signal
	Signal string    `json:"signal,omitempty"` // e.g. "killed"
	Uptime Duration  `json:"uptime"`
}

// CheckStatus is a check's last result.
type CheckStatus struct {
	Name                string    `json:"name"`
	Kind                string    `json:"kind"`
	Type                string    `json:"type"` // liveness | readiness
	Critical            bool      `json:"critical"`
	Passing             bool      `json:"passing"`
	Detail              string    `json:"detail,omitempty"`
	Error               string    `json:"error,omitempty"`
	Latency             Duration  `json:"latency"`
	ConsecutiveFailures int       `json:"consecutive_failures"`
	LastRun             time.Time `json:"last_run,omitempty"`
}

// Duration marshals as a Go duration string ("1.5s") in JSON.
type Duration time.Duration

// MarshalText renders d like time.Duration.String.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	*d = Duration(v)
	return err
}

// Overall folds service health into the host's: unhealthy if any critical
// service is unhealthy, degraded if anything is degraded, blocked or a
// non-critical service is unhealthy, else healthy.
func Overall(svcs []ServiceStatus) Health {
	h := HealthHealthy
	for _, s := range svcs {
		switch {
		case s.Health == HealthUnhealthy && s.Critical:
			return HealthUnhealthy
		case s.Health != HealthHealthy:
			h = HealthDegraded
		}
	}
	return h
}

// String renders d like time.Duration.String.
func (d Duration) String() string { return time.Duration(d).String() }
