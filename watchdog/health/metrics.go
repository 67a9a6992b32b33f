package health

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics holds the check metrics, labelled service, check and kind:
//
//	vigil_check_duration_seconds  histogram of run latencies
//	vigil_check_result            1 if the last run passed, else 0
//	vigil_check_up                1 while the thresholded state is passing, else 0
//	vigil_check_runs_total        runs, by result (pass or fail): what to alert on,
//	                              since a failing liveness check restarts the
//	                              service between two scrapes
//
// One Metrics is shared by every Monitor; cmd creates it with NewMetrics.
type Metrics struct {
	duration *prometheus.HistogramVec
	result   *prometheus.GaugeVec
	up       *prometheus.GaugeVec
	runs     *prometheus.CounterVec
}

var checkLabels = []string{"service", "check", "kind"}

// NewMetrics creates the check metrics and registers them with reg (nil: not
// registered). Calling it twice with the same registry reuses the collectors
// already registered.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "vigil_check_duration_seconds",
			Help:    "Duration of health check runs.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, checkLabels),
		result: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "vigil_check_result",
			Help: "1 if the check's last run passed, 0 if it failed.",
		}, checkLabels),
		up: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "vigil_check_up",
			Help: "1 while the check is passing after its failures/successes thresholds, else 0.",
		}, checkLabels),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigil_check_runs_total",
			Help: "Health check runs by result (pass, fail). Alert on increase(...{result=\"fail\"}[5m]): a failing liveness check restarts its service within seconds, so a gauge sampled at scrape time never sees it.",
		}, append(checkLabels, "result")),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	if m.duration, err = register(reg, m.duration); err != nil {
		return nil, err
	}
	if m.result, err = register(reg, m.result); err != nil {
		return nil, err
	}
	if m.up, err = register(reg, m.up); err != nil {
		return nil, err
	}
	if m.runs, err = register(reg, m.runs); err != nil {
		return nil, err
	}
	return m, nil
}

func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, err
}

// Delete removes one check's series (after a config reload removed it).
func (m *Metrics) Delete(service, check, kind string) {
	if m == nil {
		return
	}
	l := prometheus.Labels{"service": service, "check": check, "kind": kind}
	m.duration.Delete(l)
	m.result.Delete(l)
	m.up.Delete(l)
	m.runs.DeletePartialMatch(l)
}

func (m *Metrics) observe(service string, r Result) {
	if m == nil {
		return
	}
	m.duration.WithLabelValues(service, r.Check, r.Kind).Observe(r.Latency.Seconds())
	m.result.WithLabelValues(service, r.Check, r.Kind).Set(b2f(r.OK))
	m.up.WithLabelValues(service, r.Check, r.Kind).Set(b2f(r.Passing))
	result := "pass"
	if !r.OK {
		result = "fail"
	}
	m.runs.WithLabelValues(service, r.Check, r.Kind, result).Inc()
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
