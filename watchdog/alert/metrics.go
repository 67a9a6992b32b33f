package alert

import (
	"github.com/vigilhq/vigil/watchdog/metrics"
)

// alertMetrics are the Dispatcher's Prometheus series, labelled by sink name.
type alertMetrics struct {
	sent     *metrics.CounterVec   // sink, kind
	failures *metrics.CounterVec   // sink
	dropped  *metrics.CounterVec   // sink
	delivery *metrics.HistogramVec // sink
}

// newMetrics creates the families and registers them with reg (nil: kept
// but not registered), or reuses those already registered there so that a
// Dispatcher rebuilt on reload keeps counting into the same series.
func newMetrics(reg *metrics.Registry) (*alertMetrics, error) {
	m := &alertMetrics{}
	var err error
	if m.sent, err = metrics.Reuse(reg, metrics.NewCounterVec("vigil_alerts_sent_total",
		"Alerts delivered, by sink and event kind.", "sink", "kind")); err != nil {
		return nil, err
	}
	if m.failures, err = metrics.Reuse(reg, metrics.NewCounterVec("vigil_alert_failures_total",
		"Alerts a sink failed to deliver after all its attempts.", "sink")); err != nil {
		return nil, err
	}
	if m.dropped, err = metrics.Reuse(reg, metrics.NewCounterVec("vigil_alerts_dropped_total",
		"Alerts dropped because the sink's queue was full or shutdown cut the drain short.", "sink")); err != nil {
		return nil, err
	}
	if m.delivery, err = metrics.Reuse(reg, metrics.NewHistogramVec("vigil_alert_delivery_seconds",
		"Time to deliver one alert, retries included.",
		metrics.ExponentialBuckets(0.005, 3, 9), "sink")); err != nil { // 5ms .. ~33s
		return nil, err
	}
	return m, nil
}
