package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/sethvargo/go-retry"

	"github.com/vigilhq/vigil/watchdog/config"
)

// Webhook defaults.
const (
	DefaultWebhookTimeout  = 5 * time.Second
	DefaultWebhookAttempts = 4
	DefaultWebhookBackoff  = 500 * time.Millisecond
	maxWebhookBackoff      = 10 * time.Second
)

// Webhook POSTs each alert as JSON. The payload's "text" field makes it a
// valid Slack (and Mattermost, Rocket.Chat) incoming-webhook message; the
// other fields let other receivers route on key, kind and severity.
//
// Failed attempts (network errors, timeouts, HTTP 429 and 5xx) are retried
// with exponential backoff; other 4xx answers are not, since a retry cannot
// fix them. Webhook owns an HTTP transport; CloseIdleConnections releases it.
type Webhook struct {
	URL     string
	Headers map[string]string
	// Timeout bounds each attempt. Default DefaultWebhookTimeout.
	Timeout time.Duration
	// Attempts bounds the tries per alert, first one included. Default DefaultWebhookAttempts.
	Attempts int
	// Backoff is the wait before the first retry; it doubles up to 10s. Default DefaultWebhookBackoff.
	Backoff time.Duration

	client *http.Client
}

var _ Sink = (*Webhook)(nil)

// NewWebhook returns a Webhook sink for cfg with its own HTTP transport.
func NewWebhook(cfg config.WebhookSink) *Webhook {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	return &Webhook{
		URL:      cfg.URL,
		Headers:  cfg.Headers,
		Timeout:  orDefault(cfg.Timeout, DefaultWebhookTimeout),
		Attempts: DefaultWebhookAttempts,
		Backoff:  DefaultWebhookBackoff,
		client:   &http.Client{Transport: tr},
	}
}

// CloseIdleConnections closes the sink's idle keep-alive connections; the
// Dispatcher calls it when its worker for this sink exits.
func (w *Webhook) CloseIdleConnections() { w.httpClient().CloseIdleConnections() }

// httpClient is the sink's own client, or the shared default for a Webhook
// built as a literal instead of by NewWebhook.
func (w *Webhook) httpClient() *http.Client {
	if w.client == nil {
		return http.DefaultClient
	}
	return w.client
}

// Send POSTs a, retrying as described on Webhook. It returns when delivered,
// when attempts are exhausted, or when ctx is done.
func (w *Webhook) Send(ctx context.Context, a Alert) error {
	body, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("encode alert %s: %w", a.Key, err)
	}
	return w.post(ctx, body)
}

// post POSTs a JSON body with the retries described on Webhook.
func (w *Webhook) post(ctx context.Context, body []byte) error {
	attempts := max(w.Attempts, 1)
	b := retry.NewExponential(orDefault(w.Backoff, DefaultWebhookBackoff))
	b = retry.WithCappedDuration(maxWebhookBackoff, b)
	b = retry.WithMaxRetries(uint64(attempts-1), b)
	n := 0
	err := retry.Do(ctx, b, func(ctx context.Context) error {
		n++
		return w.attempt(ctx, body)
	})
	if err != nil {
		return fmt.Errorf("webhook %s: %d attempt(s): %w", redact(w.URL), n, err)
	}
	return nil
}

// attempt makes one POST; the error is wrapped retryable when a retry may help.
func (w *Webhook) attempt(ctx context.Context, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, orDefault(w.Timeout, DefaultWebhookTimeout))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("build request: %w: check the webhook url", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "vigil-alert/1")
	for k, v := range w.Headers {
		req.Header.Set(k, v)
	}
	resp, err := w.httpClient().Do(req)
	if err != nil {
		return retry.RetryableError(err)
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	err = fmt.Errorf("HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(snippet))
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		return retry.RetryableError(err)
	}
	return fmt.Errorf("%w: the receiver refused the alert; check the url and headers", err)
}

// redact keeps scheme and host: webhook paths (Slack's) are secrets.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(invalid url)"
	}
	return u.Scheme + "://" + u.Host
}

// orDefault is v, or def when v is zero or negative (unset).
func orDefault[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}
