package alert

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/vigilhq/vigil/watchdog/config"
)

// Alertmanager posts alerts to a Prometheus Alertmanager's /api/v2/alerts,
// so that alerts from many watchdogs are grouped, deduplicated, silenced
// and routed where the team already routes Prometheus alerts.
//
// Each problem is one Alertmanager alert with the labels alertname
// (Vigil<Kind>, such as VigilHealth), service, host and severity, plus the
// configured labels; its text is the summary annotation. A firing alert is
// re-sent every Resend with endsAt four re-sends ahead, as Prometheus does:
// if the watchdog dies, Alertmanager ends it by itself (the "watchdog down"
// rule reports the death). A recovery sends endsAt = now. A one-shot event
// (an orphan reaped, an error) fires once and ends after four re-sends.
//
// Delivery retries like Webhook's; a sink whose Alertmanager is down keeps
// its firing alerts and sends them again on the next re-send.
type Alertmanager struct {
	// Labels are added to every alert.
	Labels map[string]string
	// Resend is how often firing alerts are sent again. Default
	// config.DefaultAlertmanagerResend.
	Resend time.Duration

	post   *Webhook           // POST with retries to <url>/api/v2/alerts
	firing map[string]amAlert // by Alert.Key; only the worker's goroutine uses it
	sent   time.Time          // when firing was last sent whole
}

var _ Sink = (*Alertmanager)(nil)

// amAlert is postableAlert of Alertmanager's OpenAPI (v2).
type amAlert struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	StartsAt     time.Time         `json:"startsAt,omitzero"`
	EndsAt       time.Time         `json:"endsAt,omitzero"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
}

// NewAlertmanager returns a sink posting to cfg.URL.
func NewAlertmanager(cfg config.AlertmanagerSink) *Alertmanager {
	w := NewWebhook(config.WebhookSink{URL: strings.TrimRight(cfg.URL, "/") + "/api/v2/alerts", Timeout: cfg.Timeout})
	return &Alertmanager{Labels: cfg.Labels, Resend: cfg.Resend, post: w, firing: map[string]amAlert{}}
}

// CloseIdleConnections releases the sink's keep-alive connections.
func (m *Alertmanager) CloseIdleConnections() { m.post.CloseIdleConnections() }

func (m *Alertmanager) resend() time.Duration {
	return orDefault(m.Resend, config.DefaultAlertmanagerResend)
}

// Send posts a: a new or changed problem, a reminder, or a recovery.
func (m *Alertmanager) Send(ctx context.Context, a Alert) error {
	am := m.alert(a)
	switch {
	case a.Recovered:
		if prev, ok := m.firing[a.Key]; ok {
			am = prev // the same labels: Alertmanager identifies an alert by them
		}
		delete(m.firing, a.Key)
		am.EndsAt = a.Time
	case a.Since.IsZero(): // one-shot: fires once, ends by itself
		am.StartsAt, am.EndsAt = a.Time, a.Time.Add(4*m.resend())
	default:
		if prev, ok := m.firing[a.Key]; ok && !prev.StartsAt.IsZero() {
			am.StartsAt = prev.StartsAt // a change of the same problem keeps its start
		}
		m.firing[a.Key] = am
		am.EndsAt = a.Time.Add(4 * m.resend())
	}
	return m.send(ctx, []amAlert{am})
}

// Refresh re-sends every firing alert once Resend has passed since the
// last time; the worker calls it on its tick.
func (m *Alertmanager) Refresh(ctx context.Context, now time.Time) error {
	if len(m.firing) == 0 || now.Sub(m.sent) < m.resend() {
		return nil
	}
	batch := make([]amAlert, 0, len(m.firing))
	for _, k := range slices.Sorted(maps.Keys(m.firing)) {
		am := m.firing[k]
		am.EndsAt = now.Add(4 * m.resend())
		batch = append(batch, am)
	}
	m.sent = now
	return m.send(ctx, batch)
}

func (m *Alertmanager) send(ctx context.Context, batch []amAlert) error {
	body, err := json.Marshal(batch)
	if err != nil {
		return fmt.Errorf("encode alertmanager alerts: %w", err)
	}
	if err := m.post.post(ctx, body); err != nil {
		return fmt.Errorf("alertmanager: %w", err)
	}
	return nil
}

// alert maps a to Alertmanager's labels and annotations.
func (m *Alertmanager) alert(a Alert) amAlert {
	labels := maps.Clone(m.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	labels["alertname"] = alertName(string(a.Kind))
	labels["severity"] = string(a.Severity)
	if a.Service != "" {
		labels["service"] = a.Service
	}
	if a.Host != "" {
		labels["host"] = a.Host
	}
	return amAlert{
		Labels:      labels,
		Annotations: map[string]string{"summary": a.Text, "key": a.Key},
		StartsAt:    a.Since,
	}
}

// alertName turns an event kind (start_limit) into an alert name
// (VigilStartLimit).
func alertName(kind string) string {
	var b strings.Builder
	b.WriteString("Vigil")
	for _, part := range strings.Split(kind, "_") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

// refresher is a sink that re-sends what is still going on, on the
// worker's tick.
type refresher interface {
	Refresh(ctx context.Context, now time.Time) error
}

var _ refresher = (*Alertmanager)(nil)
