package alert

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the Dispatcher's Prometheus series, labelled by sink name.
type metrics struct {
	sent     *prometheus.CounterVec   // sink, kind
	failures *prometheus.CounterVec   // sink
	dropped  *prometheus.CounterVec   // sink
	delivery *prometheus.HistogramVec // sink
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigil_alerts_sent_total",
			Help: "Alerts delivered, by sink and event kind.",
		}, []string{"sink", "kind"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigil_alert_failures_total",
			Help: "Alerts a sink failed to deliver after all its attempts.",
		}, []string{"sink"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigil_alerts_dropped_total",
			Help: "Alerts dropped because the sink's queue was full or shutdown cut the drain short.",
		}, []string{"sink"}),
		delivery: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "vigil_alert_delivery_seconds",
			Help:    "Time to deliver one alert, retries included.",
			Buckets: prometheus.ExponentialBuckets(0.005, 3, 9), // 5ms .. ~33s
		}, []string{"sink"}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	m.sent = register(reg, m.sent, &err)
	m.failures = register(reg, m.failures, &err)
	m.dropped = register(reg, m.dropped, &err)
	m.delivery = register(reg, m.delivery, &err)
	return m, err
}

// register registers c, or returns the collector already registered under
// its name so that a Dispatcher rebuilt on reload keeps counting into the
// same series. The first other error is stored in *errp.
func register[C prometheus.Collector](reg prometheus.Registerer, c C, errp *error) C {
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing
		}
	}
	if err != nil && *errp == nil {
		*errp = err
	}
	return c
}
