package faults

import (
	"context"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigilhq/vigil/faults/porttest"
)

// countingServer accepts on loopback and tracks open connections; its
// goroutines are stopped and waited for in t.Cleanup (porttest.Serve).
type countingServer struct {
	addr string
	mu   sync.Mutex
	open int
	seen int
}

func startCountingServer(t *testing.T) *countingServer {
	t.Helper()
	s := &countingServer{}
	s.addr = porttest.Serve(t, func(c net.Conn) {
		s.mu.Lock()
		s.open++
		s.seen++
		s.mu.Unlock()
		defer func() {
			s.mu.Lock()
			s.open--
			s.mu.Unlock()
		}()
		var b [64]byte
		for {
			if _, err := c.Read(b[:]); err != nil {
				return
			}
		}
	})
	return s
}

func (s *countingServer) counts() (open, seen int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.open, s.seen
}

func TestConnFloodOpensBoundedConnsAndRevertCloses(t *testing.T) {
	srv := startCountingServer(t)
	f := FloodConns(srv.addr, 200)
	revert := mustInject(context.Background(), t, f)
	if opened, failed := f.Counts(); opened != 200 || failed != 0 {
		t.Fatalf("Counts() = %d, %d, want 200, 0", opened, failed)
	}
	eventually(t, 10*time.Second, "server sees 200 open connections", func() (bool, string) {
		open, _ := srv.counts()
		return open == 200, strconv.Itoa(open)
	})
	if err := revert(context.Background()); err != nil {
		t.Fatalf("revert() = %v", err)
	}
	eventually(t, 10*time.Second, "server sees every flood connection closed", func() (bool, string) {
		open, _ := srv.counts()
		return open == 0, strconv.Itoa(open)
	})
	if _, seen := srv.counts(); seen != 200 {
		t.Fatalf("server accepted %d connections, want exactly 200", seen)
	}
}

func TestConnFloodHoldClosesWithoutRevert(t *testing.T) {
	srv := startCountingServer(t)
	f := &ConnFlood{Addr: srv.addr, Conns: 20, Hold: 50 * time.Millisecond}
	revert := mustInject(context.Background(), t, f)
	defer revert(context.Background())
	eventually(t, 10*time.Second, "flood closed by Hold", func() (bool, string) {
		open, seen := srv.counts()
		return seen == 20 && open == 0, strconv.Itoa(open)
	})
}

func TestConnFloodRefusedPortIsBounded(t *testing.T) {
	addr := porttest.Addr(t) // nothing listens: every dial is refused
	f := &ConnFlood{Addr: addr, Conns: 50, Within: 5 * time.Second}
	start := time.Now()
	_, err := f.Inject(context.Background())
	if err == nil || !strings.Contains(err.Error(), "no connection opened") {
		t.Fatalf("Inject() = %v, want no connection opened", err)
	}
	if _, failed := f.Counts(); failed != 100 {
		t.Errorf("failed dials = %d, want the 2×Conns cap of 100", failed)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("refused flood took %s, want bounded", d)
	}
}

func TestConnFloodRefusesUnsafeTargets(t *testing.T) {
	for _, tc := range []struct {
		name  string
		flood *ConnFlood
	}{
		{"not loopback", FloodConns("192.0.2.1:80", 10)},
		{"hostname", FloodConns("example.com:80", 10)},
		{"zero conns", FloodConns("127.0.0.1:80", 0)},
		{"too many conns", FloodConns("127.0.0.1:80", MaxFloodConns+1)},
		{"no port", FloodConns("127.0.0.1", 10)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.flood.Inject(context.Background()); err == nil {
				t.Fatal("Inject() = nil, want an error")
			}
			if opened, failed := tc.flood.Counts(); opened+failed != 0 {
				t.Fatalf("Counts() = %d, %d, want no dial at all", opened, failed)
			}
		})
	}
}
