// Package porttest finds free loopback ports for tests: ports nobody
// listened on a moment ago, for a child process, a fake or a fault to take.
// Serve listens on one itself, for a check or a fault to connect to.
// It lives under faults so that faults' own tests may use it (faults never
// imports watchdog); watchdog and cmd tests use it as well.
package porttest

import (
	"fmt"
	"net"
	"strconv"
	"sync"
	"testing"
)

// Pick returns a loopback TCP port nobody listens on right now. Another
// process may take it before the caller does; tests accept that race.
func Pick() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Free is Pick failing t on error.
func Free(t testing.TB) int {
	t.Helper()
	port, err := Pick()
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// Addr is Free as a "127.0.0.1:port" address.
func Addr(t testing.TB) string {
	t.Helper()
	return "127.0.0.1:" + strconv.Itoa(Free(t))
}

// Serve accepts TCP connections on a loopback port until tb ends and returns
// its address. Each connection is handed to handle in a goroutine of its own
// and closed when handle returns. Serve owns those goroutines: tb's cleanup
// closes the listener and every connection still open, which ends a handle
// blocked on the connection, and waits for all of them.
func Serve(tb testing.TB, handle func(net.Conn)) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		conns  = map[net.Conn]bool{} // open connections
		closed bool                  // cleanup ran: close a late accept at once
	)
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			if closed {
				mu.Unlock()
				c.Close()
				return
			}
			conns[c] = true
			mu.Unlock()
			wg.Go(func() {
				defer func() {
					c.Close()
					mu.Lock()
					delete(conns, c)
					mu.Unlock()
				}()
				handle(c)
			})
		}
	})
	tb.Cleanup(func() {
		ln.Close()
		mu.Lock()
		closed = true
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}
