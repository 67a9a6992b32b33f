// Package porttest finds free loopback ports for tests: ports nobody
// listened on a moment ago, for a child process, a fake or a fault to take.
// It lives under faults so that faults' own tests may use it (faults never
// imports watchdog); watchdog and cmd tests use it as well.
package porttest

import (
	"fmt"
	"net"
	"strconv"
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
