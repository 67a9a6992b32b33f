package health

import (
	"github.com/vigilhq/vigil/watchdog/metrics"
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
	duration *metrics.HistogramVec
	result   *metrics.GaugeVec
	up       *metrics.GaugeVec
	runs     *metrics.CounterVec
}

var checkLabels = []string{"service", "check", "kind"}

// NewMetrics creates the check metrics and registers them with reg (nil: not
// registered). Calling it twice with the same registry reuses the families
// already registered.
func NewMetrics(reg *metrics.Registry) (*Metrics, error) {
	m := &Metrics{}
	var err error
	if m.duration, err = metrics.Reuse(reg, metrics.NewHistogramVec("vigil_check_duration_seconds",
		"Duration of health check runs.",
		[]float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}, checkLabels...)); err != nil {
		return nil, err
	}
	if m.result, err = metrics.Reuse(reg, metrics.NewGaugeVec("vigil_check_result",
		"1 if the check's last run passed, 0 if it failed.", checkLabels...)); err != nil {
		return nil, err
	}
	if m.up, err = metrics.Reuse(reg, metrics.NewGaugeVec("vigil_check_up",
		"1 while the check is passing after its failures/successes thresholds, else 0.", checkLabels...)); err != nil {
		return nil, err
	}
	if m.runs, err = metrics.Reuse(reg, metrics.NewCounterVec("vigil_check_runs_total",
		"Health check runs by result (pass, fail). Alert on increase(...{result=\"fail\"}[5m]): a failing liveness check restarts its service within seconds, so a gauge sampled at scrape time never sees it.",
		append(checkLabels, "result")...)); err != nil {
		return nil, err
	}
	return m, nil
}

// Delete removes one check's series (after a config reload removed it).
func (m *Metrics) Delete(service, check, kind string) {
	if m == nil {
		return
	}
	m.duration.Delete(service, check, kind)
	m.result.Delete(service, check, kind)
	m.up.Delete(service, check, kind)
	m.runs.DeleteMatch(map[string]string{"service": service, "check": check, "kind": kind})
}

func (m *Metrics) observe(service string, r Result) {
	if m == nil {
		return
	}
	m.duration.Observe(r.Latency.Seconds(), service, r.Check, r.Kind)
	m.result.Set(b2f(r.OK), service, r.Check, r.Kind)
	m.up.Set(b2f(r.Passing), service, r.Check, r.Kind)
	result := "pass"
	if !r.OK {
		result = "fail"
	}
	m.runs.Inc(service, r.Check, r.Kind, result)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
