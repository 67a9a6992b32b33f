package health

import (
	"bufio"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigilhq/vigil/watchdog/config"
)

// lineServer is a real TCP listener: it answers "PING" with "PONG", and
// anything else with "NOPE" while keeping the connection open until the
// client closes it.
func lineServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	conns := make(chan net.Conn, 64)
	t.Cleanup(func() {
		ln.Close()
		close(conns)
		for c := range conns {
			c.Close()
		}
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			select {
			case conns <- c:
			default:
				c.Close()
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
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
			}()
		}
	}()
	return ln.Addr().String()
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
