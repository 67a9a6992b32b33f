package health

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/vigilhq/vigil/faults/porttest"
	"github.com/vigilhq/vigil/watchdog/config"
)

// lineServer is a real TCP listener: it answers "PING" with "PONG", and
// anything else with "NOPE" while keeping the connection open until the
// client closes it.
func lineServer(t *testing.T) string {
	t.Helper()
	return porttest.Serve(t, func(c net.Conn) {
		r := bufio.NewReader(c)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			if strings.TrimSpace(line) == "PING" {
				c.Write([]byte("+PONG\r\n"))
			} else {
				c.Write([]byte("NOPE\r\n"))
			}
		}
	})
}

func TestTCP(t *testing.T) {
	addr := lineServer(t)
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	closed.Close()
	tests := []struct {
		name    string
		cfg     config.TCPCheck
		wantErr string
		detail  string
	}{
		{name: "connect", cfg: config.TCPCheck{Address: addr}, detail: "connected in"},
		{name: "send and expect", cfg: config.TCPCheck{Address: addr, Send: "PING\n", Expect: "PONG"}, detail: "answered in"},
		{name: "wrong answer times out", cfg: config.TCPCheck{Address: addr, Send: "HELLO\n", Expect: "PONG"},
			wantErr: `did not answer "PONG" (got "NOPE")`},
		{name: "refused", cfg: config.TCPCheck{Address: closedAddr}, wantErr: "connection refused"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			within(t, 3*time.Second, "tcp check with timeout 300ms", func() {
				detail, err := runCheck(t, config.Check{TCP: &tc.cfg, Timeout: 300 * time.Millisecond}, Deps{})
				checkOutcome(t, detail, err, tc.wantErr, tc.detail)
			})
		})
	}
}
