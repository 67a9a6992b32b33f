package faults

import (
	"context"
	"fmt"
	"net"
	"sync"
	"time"
)

// Flood bounds: a flood never opens more than MaxFloodConns connections
// and never dials for longer than MaxFloodDial, whatever it is asked.
const (
	MaxFloodConns = 5000
	MaxFloodDial  = 30 * time.Second
)

// ConnFlood opens up to Conns idle TCP connections to a loopback address
// and holds them (exhausting accept queues, connection limits and pools)
// until revert or until Hold passes, whichever comes first.
type ConnFlood struct {
	// Addr must be a loopback address ("127.0.0.1:5103", "localhost:…",
	// "[::1]:…"): floods never leave this machine.
	Addr string
	// Conns is how many connections to open, at most MaxFloodConns.
	Conns int
	// Within bounds the dialing phase (default 5s, at most MaxFloodDial);
	// Inject returns when it ends or Conns are open.
	Within time.Duration
	// Hold closes the connections on its own after this long even if
	// nobody reverts (default 60s).
	Hold time.Duration

	mu             sync.Mutex
	opened, failed int
}

// FloodConns returns a flood of n connections to addr.
func FloodConns(addr string, n int) *ConnFlood { return &ConnFlood{Addr: addr, Conns: n} }

var (
	_ Fault    = (*ConnFlood)(nil)
	_ Targeter = (*ConnFlood)(nil)
)

// Name is "conn-flood-<n>".
func (c *ConnFlood) Name() string { return fmt.Sprintf("conn-flood-%d", c.Conns) }

// Target is the address.
func (c *ConnFlood) Target() string { return c.Addr }

// Counts returns how many connections the last Inject opened and how many
// dials failed (refused, timed out, out of descriptors).
func (c *ConnFlood) Counts() (opened, failed int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.opened, c.failed
}

// Inject dials sequentially until Conns are open, Within passes or ctx
// ends. Failed dials are counted, not fatal: refusing is a valid outcome
// of a flood. It fails only when the address is not loopback or no dial
// succeeded.
func (c *ConnFlood) Inject(ctx context.Context) (Revert, error) {
	if err := requireLoopback(c.Addr); err != nil {
		return nil, err
	}
	if c.Conns <= 0 || c.Conns > MaxFloodConns {
		return nil, fmt.Errorf("flood %s: conns = %d: use 1..%d", c.Addr, c.Conns, MaxFloodConns)
	}
	within := min(orDefault(c.Within, 5*time.Second), MaxFloodDial)
	dctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	var (
		conns  []net.Conn
		failed int
		d      = net.Dialer{Timeout: time.Second}
	)
	// At most 2×Conns attempts: a refusing port fails fast and must not
	// turn the dial phase into a busy loop.
	for tries := 0; len(conns) < c.Conns && tries < 2*c.Conns && dctx.Err() == nil; tries++ {
		conn, err := d.DialContext(dctx, "tcp", c.Addr)
		if err != nil {
			failed++
			continue
		}
		conns = append(conns, conn)
	}
	c.mu.Lock()
	c.opened, c.failed = len(conns), failed
	c.mu.Unlock()
	if len(conns) == 0 {
		return nil, fmt.Errorf("flood %s: no connection opened (%d dials failed): is anything listening?", c.Addr, failed)
	}
	var mu sync.Mutex
	closeAll := func() {
		mu.Lock()
		defer mu.Unlock()
		for _, conn := range conns {
			conn.Close()
		}
		conns = nil
	}
	timer := time.AfterFunc(orDefault(c.Hold, time.Minute), closeAll)
	return once(func(context.Context) error {
		timer.Stop()
		closeAll()
		return nil
	}), nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// requireLoopback refuses any address that is not on this machine.
func requireLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("flood %s: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("flood %s: not a loopback address: floods only target 127.0.0.0/8, ::1 or localhost", addr)
}
