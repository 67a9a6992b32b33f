package refapi

import (
	"fmt"
	"net"

	"github.com/coreos/go-systemd/v22/activation"
)

// Listen returns the first TCP socket handed over by a supervisor through
// the systemd LISTEN_FDS protocol (LISTEN_PID must equal our pid, as with
// systemd; a supervisor can exec us via `sh -c 'LISTEN_PID=$$ exec ...'`),
// or else a fresh listener on addr. The caller owns and closes it.
func Listen(addr string) (net.Listener, error) {
	ls, err := activation.Listeners()
	if err != nil {
		return nil, fmt.Errorf("listen: LISTEN_FDS sockets: %w", err)
	}
	for _, l := range ls {
		if l != nil {
			for _, extra := range ls {
				if extra != nil && extra != l {
					extra.Close()
				}
			}
			return l, nil
		}
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w: free the port or set the service's *_LISTEN variable", addr, err)
	}
	return l, nil
}
