package serve

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestRunDrainsEveryResult: the first actor to return interrupts the others;
// Run returns only once each of them has returned, with every error.
func TestRunDrainsEveryResult(t *testing.T) {
	var g Group
	boom, late := errors.New("boom"), errors.New("late")
	var returned atomic.Int32
	g.Add(func() error { returned.Add(1); return boom }, func() {})
	for _, res := range []error{nil, late} {
		stop := make(chan struct{})
		g.Add(func() error {
			<-stop
			time.Sleep(20 * time.Millisecond) // a slow clean-up Run must wait for
			returned.Add(1)
			return res
		}, func() { close(stop) })
	}
	err := g.Run()
	if n := returned.Load(); n != 3 {
		t.Fatalf("Run returned with %d of 3 actors done", n)
	}
	if !errors.Is(err, boom) || !errors.Is(err, late) {
		t.Fatalf("Run() = %v, want boom and late joined", err)
	}
}

// TestShutdownHangAfterServeError: a server that fails (its listener is
// closed under it) must stop the group, not leave it waiting for a result
// that was already taken.
func TestShutdownHangAfterServeError(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	var g Group
	g.HTTP(&http.Server{Handler: http.NotFoundHandler()}, l, time.Second)
	g.Until(context.Background()) // would never end by itself
	done := make(chan error, 1)
	go func() { done <- g.Run() }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "serve 127.0.0.1:") {
			t.Fatalf("Run() = %v, want the serve error", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run hung after the server failed")
	}
}

// TestHTTPDrainsInFlight: stopping lets a request that is being answered
// finish (and the client gets its answer) before Run returns; a request
// longer than the grace is cut and reported.
func TestHTTPDrainsInFlight(t *testing.T) {
	for _, tc := range []struct {
		name    string
		handler time.Duration
		wantErr bool
	}{
		{"within grace", 200 * time.Millisecond, false},
		{"past grace", 3 * time.Second, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			started := make(chan struct{})
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				close(started)
				select {
				case <-time.After(tc.handler):
					io.WriteString(w, "done")
				case <-r.Context().Done():
				}
			})
			ctx, cancel := context.WithCancel(context.Background())
			var g Group
			g.HTTP(&http.Server{Handler: h}, l, time.Second)
			g.Until(ctx)
			runErr := make(chan error, 1)
			go func() { runErr <- g.Run() }()
			body := make(chan string, 1)
			go func() {
				resp, err := http.Get("http://" + l.Addr().String())
				if err != nil {
					body <- "error: " + err.Error()
					return
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				body <- string(b)
			}()
			<-started
			cancel()
			err = <-runErr
			got := <-body
			if tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), "in-flight requests still running") {
					t.Fatalf("Run() = %v, want the cut request reported", err)
				}
				return
			}
			if err != nil || got != "done" {
				t.Fatalf("Run() = %v, client got %q; want nil and the whole answer", err, got)
			}
		})
	}
}
