package porttest

import (
	"net"
	"testing"
	"time"
)

// TestServeEndsHandlersAtCleanup: a handler blocked on a connection the
// client never closes has returned once the test that served it has ended.
func TestServeEndsHandlersAtCleanup(t *testing.T) {
	reading := make(chan struct{})
	returned := make(chan struct{})
	var client net.Conn // closed only after the check below
	defer func() {
		if client != nil {
			client.Close()
		}
	}()
	t.Run("serve", func(t *testing.T) {
		addr := Serve(t, func(c net.Conn) {
			defer close(returned)
			close(reading)
			var b [1]byte
			_, _ = c.Read(b[:]) // until cleanup closes c
		})
		var err error
		if client, err = net.DialTimeout("tcp", addr, 5*time.Second); err != nil {
			t.Fatal(err)
		}
		select {
		case <-reading:
		case <-time.After(5 * time.Second):
			t.Fatal("handler not called within 5s")
		}
	})
	select {
	case <-returned:
	default:
		t.Fatal("handler still running after the test's cleanup")
	}
}
