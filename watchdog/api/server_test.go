package api_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/vigilhq/vigil/watchdog/api"
)

var errAcceptBroken = errors.New("accept: listener broken")

// brokenListener is a real listener whose Accept fails for good, as after
// the socket file's filesystem goes away.
type brokenListener struct{ net.Listener }

func (brokenListener) Accept() (net.Conn, error) { return nil, errAcceptBroken }

func listenTCP(t *testing.T) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestShutdownHangAfterServeError pins issue 10 defect 5: one listener's
// Serve failing left Run waiting for one result more than would come, so
// the watchdog ignored SIGTERM.
func TestShutdownHangAfterServeError(t *testing.T) {
	srv := api.New(nil, api.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.ServeOn(ctx, listenTCP(t), brokenListener{listenTCP(t)}) }()
	select {
	case err := <-done:
		if !errors.Is(err, errAcceptBroken) {
			t.Fatalf("ServeOn() = %v, want %v", err, errAcceptBroken)
		}
	case <-time.After(10 * time.Second):
		cancel() // as SIGTERM would
		select {
		case <-done:
			t.Fatal("ServeOn returned only after cancel, want it to return on the Serve error")
		case <-time.After(10 * time.Second):
			t.Fatal("ServeOn did not return 10s after a Serve error nor 10s after cancel")
		}
	}
}
