// Package apitest runs control API servers for tests.
package apitest

import (
	"context"
	"testing"
	"time"

	"github.com/vigilhq/vigil/watchdog/api"
)

// Run runs srv until the test ends and returns once srv is ready (within
// 10 s). t.Cleanup stops srv, waits for Run to return and fails t if it
// returned an error.
func Run(t testing.TB, srv *api.Server) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("api server: Run() = %v", err)
		}
	})
	select {
	case <-srv.Ready():
	case err := <-done:
		done <- err // for the cleanup
		t.Fatalf("api server: Run() = %v before it was ready", err)
	case <-time.After(10 * time.Second):
		t.Fatal("api server: not ready after 10s")
	}
}
