package refapi

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/vigilhq/vigil/watchdog/serve"
)

// Serve serves h on l until ctx is cancelled, then stops accepting and waits
// up to grace for in-flight requests before closing what is left. Requests
// do not inherit ctx, so cancellation never aborts a write mid-transaction.
// Serve closes l and returns only after the server has stopped.
func Serve(ctx context.Context, l net.Listener, h http.Handler, grace time.Duration) error {
	var g serve.Group
	g.HTTP(&http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       60 * time.Second,
	}, l, grace)
	g.Until(ctx)
	return g.Run()
}
