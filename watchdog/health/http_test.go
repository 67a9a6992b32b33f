package health

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigilhq/vigil/watchdog/config"
)

// reconHandler mimics the seed systems' health endpoints.
func reconHandler(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/health":
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"status":"healthy","db":{"ok":true,"lag":3},"workers":[{"name":"a"}],"note":null}`)
	case "/degraded":
		io.WriteString(w, `{"status":"degraded"}`)
	case "/down":
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, "database unreachable")
	case "/auth":
		if r.Header.Get("Authorization") != "Bearer s3cret" || r.Host != "api.internal" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		io.WriteString(w, "ok")
	case "/post":
		if r.Method != http.MethodPost {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		io.WriteString(w, "ok")
	case "/big":
		io.WriteString(w, strings.Repeat("x", 1<<20))
		io.WriteString(w, "MARKER")
	case "/hang":
		<-r.Context().Done()
	default:
		http.NotFound(w, r)
	}
}

func TestHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(reconHandler))
	defer srv.Close()
	u := func(p string) string { return srv.URL + p }
	tests := []struct {
		name    string
		cfg     config.HTTPCheck
		wantErr string // "" = pass
		detail  string // substring of detail
	}{
		{name: "2xx passes", cfg: config.HTTPCheck{URL: u("/health")}, detail: "200 in "},
		{name: "503 fails by default", cfg: config.HTTPCheck{URL: u("/down")}, wantErr: `status 503, want 2xx: body "database unreachable"`},
		{name: "503 listed passes", cfg: config.HTTPCheck{URL: u("/down"), Status: []int{503}}, detail: "503 in"},
		{name: "200 not listed fails", cfg: config.HTTPCheck{URL: u("/health"), Status: []int{204, 301}}, wantErr: "want 204 or 301"},
		{name: "404", cfg: config.HTTPCheck{URL: u("/nope")}, wantErr: "status 404"},
		{name: "body contains", cfg: config.HTTPCheck{URL: u("/health"), BodyContains: `"healthy"`}},
		{name: "body lacks", cfg: config.HTTPCheck{URL: u("/degraded"), BodyContains: `"healthy"`}, wantErr: `body does not contain "\"healthy\""`},
		{name: "regex matches", cfg: config.HTTPCheck{URL: u("/health"), BodyRegex: `"lag":\d+`}},
		{name: "regex misses", cfg: config.HTTPCheck{URL: u("/degraded"), BodyRegex: `^\{"status":"healthy"`}, wantErr: "does not match"},
		{name: "json recon healthy", cfg: config.HTTPCheck{URL: u("/health"), JSON: map[string]string{
			"status": "healthy", "db.ok": "true", "db.lag": "3", "workers.0.name": "a", "note": "null"}}},
		{name: "json recon degraded", cfg: config.HTTPCheck{URL: u("/degraded"), JSON: map[string]string{"status": "healthy"}},
			wantErr: `json: status = "degraded", want "healthy"`},
		{name: "json field missing", cfg: config.HTTPCheck{URL: u("/health"), JSON: map[string]string{"db.replica": "ok"}},
			wantErr: `db.replica missing`},
		{name: "json object compared as compact json", cfg: config.HTTPCheck{URL: u("/health"), JSON: map[string]string{"db": `{"lag":3,"ok":true}`}}},
		{name: "not json", cfg: config.HTTPCheck{URL: u("/down"), Status: []int{503}, JSON: map[string]string{"status": "healthy"}},
			wantErr: "body is not JSON"},
		{name: "headers and host sent", cfg: config.HTTPCheck{URL: u("/auth"), Headers: map[string]string{"Authorization": "Bearer s3cret", "Host": "api.internal"}}},
		{name: "headers missing", cfg: config.HTTPCheck{URL: u("/auth")}, wantErr: "status 401"},
		{name: "method", cfg: config.HTTPCheck{URL: u("/post"), Method: "POST"}},
		{name: "body read is bounded", cfg: config.HTTPCheck{URL: u("/big"), BodyContains: "MARKER"}, wantErr: "does not contain"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			detail, err := runCheck(t, config.Check{HTTP: &tc.cfg, Timeout: 5 * time.Second}, Deps{})
			checkOutcome(t, detail, err, tc.wantErr, tc.detail)
		})
	}
}

// checkOutcome asserts err is nil when wantErr is "", else that it contains wantErr.
func checkOutcome(t *testing.T, detail string, err error, wantErr, wantDetail string) {
	t.Helper()
	switch {
	case wantErr == "" && err != nil:
		t.Fatalf("Check() = %q, %v, want pass", detail, err)
	case wantErr != "" && err == nil:
		t.Fatalf("Check() = %q, nil, want error containing %q", detail, wantErr)
	case wantErr != "" && !strings.Contains(err.Error(), wantErr):
		t.Fatalf("Check() error = %q, want it to contain %q", err, wantErr)
	}
	if !strings.Contains(detail, wantDetail) {
		t.Errorf("Check() detail = %q, want it to contain %q", detail, wantDetail)
	}
}

func TestHTTPHangIsBoundedByTimeout(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(reconHandler))
	defer srv.Close()
	within(t, 3*time.Second, "hanging HTTP check with timeout 200ms", func() {
		_, err := runCheck(t, config.Check{HTTP: &config.HTTPCheck{URL: srv.URL + "/hang"}, Timeout: 200 * time.Millisecond}, Deps{})
		checkOutcome(t, "", err, "no answer before the check's timeout", "")
	})
}

func TestHTTPRefused(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(reconHandler))
	url := srv.URL
	srv.Close()
	_, err := runCheck(t, config.Check{HTTP: &config.HTTPCheck{URL: url + "/health"}}, Deps{})
	checkOutcome(t, "", err, "connection refused", "")
}

func TestHTTPTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(reconHandler))
	defer srv.Close()
	_, err := runCheck(t, config.Check{HTTP: &config.HTTPCheck{URL: srv.URL + "/health"}}, Deps{})
	checkOutcome(t, "", err, "certificate", "")
	_, err = runCheck(t, config.Check{HTTP: &config.HTTPCheck{URL: srv.URL + "/health", InsecureSkipVerify: true}}, Deps{})
	checkOutcome(t, "", err, "", "")
}

// TestHTTPNoConnectionLeak runs a check many times against a server that
// counts open connections: none may stay open between runs.
func TestHTTPNoConnectionLeak(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(reconHandler))
	var (
		mu      sync.Mutex
		open    int
		changed = make(chan struct{}, 1)
	)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		mu.Lock()
		defer mu.Unlock()
		switch s {
		case http.StateNew:
			open++
		case http.StateClosed, http.StateHijacked:
			open--
		}
		select {
		case changed <- struct{}{}:
		default:
		}
	}
	srv.Start()
	defer srv.Close()
	chk, err := New(config.Check{HTTP: &config.HTTPCheck{URL: srv.URL + "/health"}}.Defaulted(), Deps{})
	if err != nil {
		t.Fatal(err)
	}
	defer Close(chk)
	const runs = 200
	for i := 0; i < runs; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := chk.Check(ctx)
		cancel()
		if err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
	}
	// The server sees the last close asynchronously: wait for it, bounded.
	deadline := time.NewTimer(5 * time.Second)
	defer deadline.Stop()
	for {
		mu.Lock()
		n := open
		mu.Unlock()
		if n == 0 {
			return
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("after %d runs the server still has %d open connections, want 0", runs, n)
		}
	}
}

func ExampleNew_http() {
	srv := httptest.NewServer(http.HandlerFunc(reconHandler))
	defer srv.Close()
	chk, _ := New(config.Check{HTTP: &config.HTTPCheck{URL: srv.URL + "/health", JSON: map[string]string{"status": "healthy"}}}.Defaulted(), Deps{})
	defer Close(chk)
	_, err := chk.Check(context.Background())
	fmt.Println(err)
	// Output: <nil>
}
