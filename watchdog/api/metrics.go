package api

import (
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sys/unix"

	"github.com/vigilhq/vigil/watchdog"
)

// Collector exports the supervisor's status as Prometheus metrics at scrape
// time, so metrics never disagree with /health.
type Collector struct {
	status func() watchdog.Status

	up, state, health, restarts, lastExit, lastSignal, rss, uptime, overall *prometheus.Desc
}

var _ prometheus.Collector = (*Collector)(nil)

// NewCollector returns a collector reading status on every scrape.
func NewCollector(status func() watchdog.Status) *Collector {
	svc := []string{"service"}
	return &Collector{
		status:     status,
		up:         prometheus.NewDesc("vigil_service_up", "1 when the service's process is running. Alert when 0 for a minute, unless vigil_service_state{state=\"stopped\"} (an operator stopped it).", svc, nil),
		state:      prometheus.NewDesc("vigil_service_state", "1 for the service's current supervision state. Alert on state=\"failed\": the start limit was reached and the watchdog waits for the cooldown.", []string{"service", "state"}, nil),
		health:     prometheus.NewDesc("vigil_service_health", "1 for the service's current health level (healthy, degraded, unhealthy, blocked).", []string{"service", "health"}, nil),
		restarts:   prometheus.NewDesc("vigil_service_restarts_total", "Restarts of the service since the watchdog started. Alert on increase(...[10m]) above a few: a crash loop.", svc, nil),
		lastExit:   prometheus.NewDesc("vigil_service_last_exit_code", "Exit code of the service's last exit; absent while it has not exited and when a signal ended it (see vigil_service_last_exit_signal).", svc, nil),
		lastSignal: prometheus.NewDesc("vigil_service_last_exit_signal", "Number of the signal that ended the service's last run (9: SIGKILL, the kernel's OOM killer included); 0 when it exited by itself.", svc, nil),
		rss:        prometheus.NewDesc("vigil_service_rss_bytes", "Resident memory of the service's process group (sampled when max_memory is set).", svc, nil),
		uptime:     prometheus.NewDesc("vigil_service_uptime_seconds", "Seconds since the service's process started.", svc, nil),
		overall:    prometheus.NewDesc("vigil_health", "1 for the host's overall health level. It counts services an operator stopped as unhealthy: alert on vigil_service_health instead (docs/monitoring/vigil-rules.yml).", []string{"health"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.up, c.state, c.health, c.restarts, c.lastExit, c.lastSignal, c.rss, c.uptime, c.overall} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	st := c.status()
	levels := []watchdog.Health{watchdog.HealthHealthy, watchdog.HealthDegraded, watchdog.HealthUnhealthy, watchdog.HealthBlocked}
	for _, h := range levels[:3] {
		ch <- prometheus.MustNewConstMetric(c.overall, prometheus.GaugeValue, b2f(st.Status == h), string(h))
	}
	for _, s := range st.Services {
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, b2f(s.PID != 0), s.Name)
		for _, state := range watchdog.States() {
			ch <- prometheus.MustNewConstMetric(c.state, prometheus.GaugeValue, b2f(s.State == state), s.Name, state.String())
		}
		for _, h := range levels {
			ch <- prometheus.MustNewConstMetric(c.health, prometheus.GaugeValue, b2f(s.Health == h), s.Name, string(h))
		}
		ch <- prometheus.MustNewConstMetric(c.restarts, prometheus.CounterValue, float64(s.Restarts), s.Name)
		if e := s.LastExit; e != nil {
			sig := signalNumber(e.Signal)
			if sig == 0 && e.Code >= 0 {
				ch <- prometheus.MustNewConstMetric(c.lastExit, prometheus.GaugeValue, float64(e.Code), s.Name)
			}
			ch <- prometheus.MustNewConstMetric(c.lastSignal, prometheus.GaugeValue, float64(sig), s.Name)
		}
		if s.RSS > 0 {
			ch <- prometheus.MustNewConstMetric(c.rss, prometheus.GaugeValue, float64(s.RSS), s.Name)
		}
		ch <- prometheus.MustNewConstMetric(c.uptime, prometheus.GaugeValue, float64(s.Uptime)/1e9, s.Name)
	}
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
