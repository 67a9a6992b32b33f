package chaos

import (
	"context"
	"io"
	"net"
	"sync"
	"time"
)

// forwarder gives a container port a stable host address. Docker maps a
// published port to a new random host port whenever the container restarts
// (after the watchdog, its PID 1, is killed); probes and writes go to the
// forwarder instead, which dials the container's current address for each
// connection. It adds one loopback hop and nothing else: a refused or
// failed dial closes the client's connection, as the service would.
type forwarder struct {
	ln     net.Listener
	dialer func(ctx context.Context, network string) (net.Conn, error)
	wg     sync.WaitGroup
}

// newForwarder listens on 127.0.0.1 at a free port and relays to whatever
// dial connects to.
func newForwarder(dial func(ctx context.Context, network string) (net.Conn, error)) (*forwarder, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	return &forwarder{ln: ln, dialer: dial}, nil
}

// Addr is the stable host address.
func (f *forwarder) Addr() string { return f.ln.Addr().String() }

// Run accepts and relays until ctx ends, then closes every connection and
// returns once every relay goroutine has exited.
func (f *forwarder) Run(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(ctx, func() { f.ln.Close() })
	defer stop()
	for {
		c, err := f.ln.Accept()
		if err != nil {
			cancel()
			f.wg.Wait()
			return
		}
		f.wg.Add(1)
		go func() { defer f.wg.Done(); f.relay(ctx, c) }()
	}
}

// relay connects c to the container and copies both ways until either
// side closes or ctx ends.
func (f *forwarder) relay(ctx context.Context, c net.Conn) {
	defer c.Close()
	up, err := f.dial(ctx)
	if err != nil {
		return
	}
	defer up.Close()
	stop := context.AfterFunc(ctx, func() { c.Close(); up.Close() })
	defer stop()
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		if tc, ok := dst.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		done <- struct{}{}
	}
	go pipe(up, c)
	go pipe(c, up)
	<-done
	<-done
}

// dial connects to the current address, re-reading it once after a
// failure (the container may have restarted on a new port).
func (f *forwarder) dial(ctx context.Context) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return f.dialer(ctx, "tcp")
}
