package api

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigilhq/vigil/watchdog"
)

// Collector exports the supervisor's status as Prometheus metrics at scrape
// time, so metrics never disagree with /health.
type Collector struct {
	status func() watchdog.Status

	up, state, health, restarts, lastExit, rss, uptime, overall *prometheus.Desc
}

var _ prometheus.Collector = (*Collector)(nil)

// NewCollector returns a collector reading status on every scrape.
func NewCollector(status func() watchdog.Status) *Collector {
	svc := []string{"service"}
	return &Collector{
		status:   status,
		up:       prometheus.NewDesc("vigil_service_up", "1 when the service's process is running.", svc, nil),
		state:    prometheus.NewDesc("vigil_service_state", "1 for the service's current supervision state.", []string{"service", "state"}, nil),
		health:   prometheus.NewDesc("vigil_service_health", "1 for the service's current health level.", []string{"service", "health"}, nil),
		restarts: prometheus.NewDesc("vigil_service_restarts_total", "Restarts of the service since the watchdog started.", svc, nil),
		lastExit: prometheus.NewDesc("vigil_service_last_exit_code", "Exit code of the service's last exit (-1: killed by a signal).", svc, nil),
		rss:      prometheus.NewDesc("vigil_service_rss_bytes", "Resident memory of the service's process group (sampled when max_memory is set).", svc, nil),
		uptime:   prometheus.NewDesc("vigil_service_uptime_seconds", "Seconds since the service's process started.", svc, nil),
		overall:  prometheus.NewDesc("vigil_health", "1 for the host's overall health level.", []string{"health"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.up, c.state, c.health, c.restarts, c.lastExit, c.rss, c.uptime, c.overall} {
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
		if s.LastExit != nil {
			ch <- prometheus.MustNewConstMetric(c.lastExit, prometheus.GaugeValue, float64(s.LastExit.Code), s.Name)
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
