package alert

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigilhq/vigil/watchdog/config"
)

func TestWebhookRetries(t *testing.T) {
	tests := []struct {
		name      string
		statuses  []int // answers in order; the last repeats
		attempts  int
		wantCalls int
		wantErr   string // "" = delivered
	}{
		{"500 then 200 is retried", []int{500, 200}, 4, 2, ""},
		{"429 then 200 is retried", []int{429, 200}, 4, 2, ""},
		{"bounded attempts", []int{503}, 3, 3, "3 attempt(s)"},
		{"400 is not retried", []int{400, 200}, 3, 1, "refused"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := int(calls.Add(1))
				w.WriteHeader(tc.statuses[min(n, len(tc.statuses))-1])
			}))
			defer srv.Close()
			wh := NewWebhook(config.WebhookSink{URL: srv.URL, Timeout: 2 * time.Second})
			defer wh.CloseIdleConnections()
			wh.Attempts, wh.Backoff = tc.attempts, time.Millisecond
			err := wh.Send(context.Background(), testAlert("api"))
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("Send = %v, want nil", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("Send = %v, want error containing %q", err, tc.wantErr)
			}
			if got := int(calls.Load()); got != tc.wantCalls {
				t.Fatalf("server saw %d requests, want %d", got, tc.wantCalls)
			}
		})
	}
}

func TestWebhookPayloadIsSlackCompatible(t *testing.T) {
	got := make(chan map[string]any, 1)
	var hdr atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hdr.Store(r.Header.Clone())
		var m map[string]any
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		got <- m
	}))
	defer srv.Close()
	wh := NewWebhook(config.WebhookSink{URL: srv.URL + "/services/T000/B000/secret", Headers: map[string]string{"X-Team": "ops"}})
	defer wh.CloseIdleConnections()
	if err := wh.Send(context.Background(), testAlert("api")); err != nil {
		t.Fatalf("Send = %v, want nil", err)
	}
	m := <-got
	text, ok := m["text"].(string)
	if !ok || !strings.HasPrefix(text, "[CRITICAL] h1: api is unhealthy") {
		t.Errorf(`payload "text" = %v, want a Slack text starting "[CRITICAL] h1: api is unhealthy"`, m["text"])
	}
	for _, k := range []string{"key", "kind", "severity", "service", "event", "time"} {
		if _, ok := m[k]; !ok {
			t.Errorf("payload lacks structured field %q: %v", k, m)
		}
	}
	h := hdr.Load().(http.Header)
	if h.Get("X-Team") != "ops" || h.Get("Content-Type") != "application/json" {
		t.Errorf("headers = %v, want X-Team: ops and Content-Type: application/json", h)
	}
}

func TestWebhookErrorHidesSecretPath(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(404) }))
	defer srv.Close()
	wh := NewWebhook(config.WebhookSink{URL: srv.URL + "/hooks/s3cr3t"})
	defer wh.CloseIdleConnections()
	err := wh.Send(context.Background(), testAlert("api"))
	if err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Fatalf("Send = %v, want an error that does not print the URL path", err)
	}
}

func TestWebhookAttemptTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	wh := NewWebhook(config.WebhookSink{URL: srv.URL, Timeout: 50 * time.Millisecond})
	defer wh.CloseIdleConnections()
	wh.Attempts, wh.Backoff = 2, time.Millisecond
	start := time.Now()
	err := wh.Send(context.Background(), testAlert("api"))
	took := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "2 attempt(s)") {
		t.Fatalf("Send to a hanging server = %v, want a timeout after 2 attempts", err)
	}
	if took > 10*time.Second {
		t.Fatalf("Send took %s with 2 attempts of 50ms, want it bounded by the per-attempt timeout", took)
	}
	t.Logf("2 timed-out attempts took %s", took)
}
