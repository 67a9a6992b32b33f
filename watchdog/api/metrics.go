package api

import (
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/vigilhq/vigil/watchdog"
	"github.com/vigilhq/vigil/watchdog/metrics"
)

// Collector exports the supervisor's status as Prometheus metrics at scrape
// time, so metrics never disagree with /health.
type Collector struct {
	status func() watchdog.Status
}

var _ metrics.Collector = (*Collector)(nil)

// NewCollector returns a collector reading status on every scrape.
func NewCollector(status func() watchdog.Status) *Collector {
	return &Collector{status: status}
}

// The families' help texts; docs/monitoring/vigil-rules.yml reads them.
const (
	helpUp         = "1 when the service's process is running. Alert when 0 for a minute, unless vigil_service_state{state=\"stopped\"} (an operator stopped it)."
	helpState      = "1 for the service's current supervision state. Alert on state=\"failed\": the start limit was reached and the watchdog waits for the cooldown."
	helpHealth     = "1 for the service's current health level (healthy, degraded, unhealthy, blocked)."
	helpRestarts   = "Restarts of the service since the watchdog started. Alert on increase(...[10m]) above a few: a crash loop."
	helpLastExit   = "Exit code of the service's last exit; absent while it has not exited and when a signal ended it (see vigil_service_last_exit_signal)."
	helpLastSignal = "Number of the signal that ended the service's last run (9: SIGKILL, the kernel's OOM killer included); 0 when it exited by itself."
	helpRSS        = "Resident memory of the service's process group (sampled when max_memory is set)."
	helpUptime     = "Seconds since the service's process started."
	helpOverall    = "1 for the host's overall health level. It counts services an operator stopped as unhealthy: alert on vigil_service_health instead (docs/monitoring/vigil-rules.yml)."
)

// Collect implements metrics.Collector: one family at a time, services in
// name order within each (label values sort as client_golang sorts them).
func (c *Collector) Collect(w *metrics.Writer) {
	st := c.status()
	svcs := slices.Clone(st.Services)
	slices.SortFunc(svcs, func(a, b watchdog.ServiceStatus) int { return strings.Compare(a.Name, b.Name) })
	levels := []watchdog.Health{watchdog.HealthHealthy, watchdog.HealthDegraded, watchdog.HealthUnhealthy, watchdog.HealthBlocked}

	w.Family("vigil_health", helpOverall, "gauge")
	for _, h := range sortedLevels(levels[:3]) {
		w.Sample("vigil_health", b2f(st.Status == h), "health", string(h))
	}
	w.Family("vigil_service_up", helpUp, "gauge")
	for _, s := range svcs {
		w.Sample("vigil_service_up", b2f(s.PID != 0), "service", s.Name)
	}
	w.Family("vigil_service_state", helpState, "gauge")
	states := watchdog.States()
	slices.SortFunc(states, func(a, b watchdog.State) int { return strings.Compare(a.String(), b.String()) })
	for _, s := range svcs {
		for _, state := range states {
			w.Sample("vigil_service_state", b2f(s.State == state), "service", s.Name, "state", state.String())
		}
	}
	w.Family("vigil_service_health", helpHealth, "gauge")
	for _, s := range svcs {
		for _, h := range sortedLevels(levels) {
			w.Sample("vigil_service_health", b2f(s.Health == h), "health", string(h), "service", s.Name)
		}
	}
	w.Family("vigil_service_restarts_total", helpRestarts, "counter")
	for _, s := range svcs {
		w.Sample("vigil_service_restarts_total", float64(s.Restarts), "service", s.Name)
	}
	w.Family("vigil_service_last_exit_code", helpLastExit, "gauge")
	for _, s := range svcs {
		if e := s.LastExit; e != nil && signalNumber(e.Signal) == 0 && e.Code >= 0 {
			w.Sample("vigil_service_last_exit_code", float64(e.Code), "service", s.Name)
		}
	}
	w.Family("vigil_service_last_exit_signal", helpLastSignal, "gauge")
	for _, s := range svcs {
		if e := s.LastExit; e != nil {
			w.Sample("vigil_service_last_exit_signal", float64(signalNumber(e.Signal)), "service", s.Name)
		}
	}
	w.Family("vigil_service_rss_bytes", helpRSS, "gauge")
	for _, s := range svcs {
		if s.RSS > 0 {
			w.Sample("vigil_service_rss_bytes", float64(s.RSS), "service", s.Name)
		}
	}
	w.Family("vigil_service_uptime_seconds", helpUptime, "gauge")
	for _, s := range svcs {
		w.Sample("vigil_service_uptime_seconds", float64(s.Uptime)/1e9, "service", s.Name)
	}
}

// sortedLevels returns levels sorted by name, the order client_golang
// writes label values in.
func sortedLevels(levels []watchdog.Health) []watchdog.Health {
	out := slices.Clone(levels)
	slices.Sort(out)
	return out
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// signalNumber is the number of a signal named as in Exit.Signal
// ("SIGKILL", or "signal 37" for one without a name); 0 for none.
func signalNumber(name string) int {
	if name == "" {
		return 0
	}
	if n, err := strconv.Atoi(strings.TrimPrefix(name, "signal ")); err == nil {
		return n
	}
	return int(unix.SignalNum(name))
}
