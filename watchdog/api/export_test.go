package api

import (
	"context"
	"net"
)

// ServeOn serves on the given listeners (either may be nil) as Run does
// after binding them, so tests can hand it a listener that fails.
func (s *Server) ServeOn(ctx context.Context, tcp, unix net.Listener) error {
	return s.serve(ctx, tcp, unix)
}

// ListenUnix is listenUnix, for tests of the control socket's creation.
var ListenUnix = listenUnix
