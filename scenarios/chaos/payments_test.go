package chaos

import (
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

func TestPaymentWriterOutcomes(t *testing.T) {
	tests := []struct {
		name         string
		status       int
		body         string
		wantErr      bool
		wantDefinite bool
		wantID       string
	}{
		{"created", 201, `{"id": 42}`, false, false, "42"},
		{"replayed", 200, `{"id": 42}`, false, false, "42"},
		{"conflict", 409, `{"error": "used"}`, true, true, ""},
		{"store error may have committed", 503, `{"error": "db"}`, true, false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("Idempotency-Key") != "k1" || r.URL.Path != "/v1/payments" {
					t.Errorf("request %s %s key %q", r.Method, r.URL.Path, r.Header.Get("Idempotency-Key"))
				}
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			id, err, definite := PaymentWriter{URL: srv.URL, Client: srv.Client()}.Write(t.Context(), "k1")
			if (err != nil) != tc.wantErr || definite != tc.wantDefinite || id != tc.wantID {
				t.Errorf("Write = %q, %v, %v; want %q, err %v, definite %v", id, err, definite, tc.wantID, tc.wantErr, tc.wantDefinite)
			}
		})
	}
}

func TestPaymentWriterRefusedIsDefinite(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	_, err, definite := PaymentWriter{URL: "http://" + addr, Client: &http.Client{}}.Write(t.Context(), "k1")
	if err == nil || !definite {
		t.Errorf("Write(refused) = %v, definite %v; want an error that is definite", err, definite)
	}
}

// TestPhantomWriteAfterTransportRetry pins the bug the crash-loop scenario
// found: net/http replays a request with an Idempotency-Key when a reused
// connection breaks, and the replay's "connection refused" must not make
// the write "definitely failed" — the first attempt had reached the server.
func TestPhantomWriteAfterTransportRetry(t *testing.T) {
	var committed atomic.Int32
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Idempotency-Key") == "warm-up" {
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte(`{"id": 1}`))
			return
		}
		committed.Add(1) // the COMMIT happened; then the server dies
		srv.Listener.Close()
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	pw := PaymentWriter{URL: srv.URL, Client: client}
	if _, err, _ := pw.Write(t.Context(), "warm-up"); err != nil {
		t.Fatalf("warm-up write: %v", err)
	}
	_, err, definite := pw.Write(t.Context(), "k1")
	if err == nil || committed.Load() != 1 {
		t.Fatalf("Write = %v with %d commits, want an error after one commit", err, committed.Load())
	}
	if definite {
		t.Errorf("Write after a replayed request = %v, definite; want unknown (the first attempt committed)", err)
	}
}
