// Package api serves the watchdog over HTTP: read-only views (/health,
// /metrics, /v1/services, /v1/events) on api.listen, and control (start, stop,
// restart, reload, logs) on the unix socket api.socket (mode 0600) — or on
// api.listen with a bearer token when api.token_env names a set variable.
package api

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/vigilhq/vigil/watchdog"
	"github.com/vigilhq/vigil/watchdog/metrics"
	"github.com/vigilhq/vigil/watchdog/serve"
)

// Supervisor is what the API needs from the watchdog.
type Supervisor interface {
	Status() watchdog.Status
	Start(ctx context.Context, name string) error
	Stop(ctx context.Context, name string) error
	Restart(ctx context.Context, name string) error
	LogPath(name string) (string, error)
	Events() *watchdog.Bus
}

// Options configure the server. Listen or Socket may be empty to disable it.
type Options struct {
	Listen string
	Socket string
	// Token, when non-empty, allows control requests on Listen with
	// "Authorization: Bearer <Token>".
	Token string
	// Reload re-reads and applies the configuration; nil disables /v1/reload.
	Reload func(ctx context.Context) error
	// Gatherer serves /metrics; nil serves an empty registry.
	Gatherer *metrics.Registry
	Logger   *slog.Logger
	// ReadHeaderTimeout bounds reading a request's headers, from accept or
	// from the end of the previous request; default 5s.
	ReadHeaderTimeout time.Duration
	// IdleTimeout closes a keep-alive connection idle this long; default 60s.
	IdleTimeout time.Duration
	// MaxConns caps Listen's open connections; further clients wait in the
	// kernel's backlog. Default: a quarter of RLIMIT_NOFILE, 4 to 512, so
	// idle clients cannot take the descriptors supervision needs.
	MaxConns int
}

// Defaults for Options.
const (
	DefaultReadHeaderTimeout = 5 * time.Second
	DefaultIdleTimeout       = 60 * time.Second
)

// Server is the API. Run serves until its context ends.
type Server struct {
	sup  Supervisor
	opts Options
	log  *slog.Logger

	mu      sync.Mutex
	tcpAddr net.Addr
	ready   chan struct{}
}

// New returns a server for sup.
func New(sup Supervisor, opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.ReadHeaderTimeout <= 0 {
		opts.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = DefaultIdleTimeout
	}
	if opts.MaxConns <= 0 {
		opts.MaxConns = connCap()
	}
	return &Server{sup: sup, opts: opts, log: opts.Logger, ready: make(chan struct{})}
}

// Addr returns the TCP listener's address once Run has bound it (nil before).
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tcpAddr
}

// Ready is closed once the listeners are bound.
func (s *Server) Ready() <-chan struct{} { return s.ready }

// Run binds the listeners and serves until ctx ends, then shuts both servers
// down (in-flight requests get 5 s) and returns.
func (s *Server) Run(ctx context.Context) error {
	var tcp, unix net.Listener
	if s.opts.Listen != "" {
		l, err := net.Listen("tcp", s.opts.Listen)
		if err != nil {
			return fmt.Errorf("api.listen %s: %w: choose a free address or stop what holds it", s.opts.Listen, err)
		}
		s.mu.Lock()
		s.tcpAddr = l.Addr()
		s.mu.Unlock()
		tcp = newLimitListener(l, s.opts.MaxConns)
	}
	if s.opts.Socket != "" {
		l, err := listenUnix(s.opts.Socket)
		if err != nil {
			if tcp != nil {
				tcp.Close()
			}
			return err
		}
		unix = l
		defer os.Remove(s.opts.Socket)
	}
	return s.serve(ctx, tcp, unix)
}

// serve serves the read-only API on tcp and the control API on unix (either
// may be nil) until ctx ends or one of them fails, then shuts both down
// (in-flight requests get 5 s). It returns once every Serve has returned.
func (s *Server) serve(ctx context.Context, tcp, unix net.Listener) error {
	var g serve.Group
	for _, l := range []struct {
		l       net.Listener
		control bool
	}{{tcp, false}, {unix, true}} {
		if l.l != nil {
			g.HTTP(&http.Server{Handler: s.handler(l.control),
				ReadHeaderTimeout: s.opts.ReadHeaderTimeout, IdleTimeout: s.opts.IdleTimeout}, l.l, 5*time.Second)
		}
	}
	g.Until(ctx)
	close(s.ready)
	if err := g.Run(); err != nil {
		return fmt.Errorf("api: %w", err)
	}
	return nil
}

// maxSocketPath is the longest unix socket path Linux accepts.
const maxSocketPath = 107

// listenUnix creates the control socket with mode 0600, replacing a stale
// one. It binds the socket in a fresh 0700 directory next to path, sets the
// mode there and renames it into place: it is never reachable at a mode the
// umask left wider, and no process-wide umask change races other files.
func listenUnix(path string) (net.Listener, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("api.socket dir: %w", err)
	}
	if _, err := os.Stat(path); err == nil {
		if c, err := net.DialTimeout("unix", path, 200*time.Millisecond); err == nil {
			c.Close()
			return nil, fmt.Errorf("api.socket %s: another watchdog is answering there: stop it or use another socket path", path)
		}
	}
	private, err := os.MkdirTemp(dir, ".v") // mode 0700
	if err != nil {
		return nil, fmt.Errorf("api.socket %s: private directory: %w", path, err)
	}
	defer os.RemoveAll(private)
	tmp := filepath.Join(private, "s")
	if len(tmp) > maxSocketPath {
		return nil, fmt.Errorf("api.socket %s: it is first bound at %s, %d bytes, over the %d Linux allows: shorten api.socket by %d bytes",
			path, tmp, len(tmp), maxSocketPath, len(tmp)-maxSocketPath)
	}
	l, err := net.Listen("unix", tmp)
	if err != nil {
		return nil, fmt.Errorf("api.socket %s: %w", path, err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false) // Run removes path itself
	if err := os.Chmod(tmp, 0o600); err != nil {
		l.Close()
		return nil, fmt.Errorf("api.socket %s: chmod 0600: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil { // replaces a stale socket
		l.Close()
		return nil, fmt.Errorf("api.socket %s: %w", path, err)
	}
	return l, nil
}
