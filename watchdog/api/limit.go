package api

import (
	"net"
	"sync"
	"syscall"
)

// Connection cap bounds (see connCap).
const (
	minConns = 4
	maxConns = 512
)

// connCap is the default cap on api.listen's open connections: a quarter of
// the file descriptor limit (RLIMIT_NOFILE, which the Go runtime has raised
// to the hard limit), between minConns and maxConns. The other three
// quarters stay for supervision: log files, pipes and checks of services.
func connCap() int {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return minConns * 16
	}
	return min(max(int(lim.Cur/4), minConns), maxConns)
}

// limitListener accepts at most cap(sem) connections at once. Accept waits
// for a free slot before accepting, so further clients queue in the
// kernel's backlog and hold none of the watchdog's file descriptors.
type limitListener struct {
	net.Listener
	sem       chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

func newLimitListener(l net.Listener, n int) *limitListener {
	return &limitListener{Listener: l, sem: make(chan struct{}, n), done: make(chan struct{})}
}

// Accept waits for a slot, then for a connection; the slot is freed when
// the connection is closed.
func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.sem <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		return nil, err
	}
	return &limitConn{Conn: c, release: func() { <-l.sem }}, nil
}

// Close closes the listener and wakes an Accept waiting for a slot.
func (l *limitListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
