package health

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"
)

// oneShot is the checks' http.RoundTripper: each request on a fresh
// connection, written and answered in the caller's goroutine, the connection
// closed with the response body. net/http's Transport, built for pooled
// connections, starts three goroutines per request (dial, read loop, write
// loop) and hands the response between them; a check that never reuses a
// connection pays for that machinery on every run. Request writing, response
// parsing, redirects and basic auth from the URL stay net/http's
// (Request.Write, ReadResponse, Client). docs/benchmarks.md has the figures.
//
// The request's context bounds the whole exchange: its deadline is the
// connection's, and its cancellation expires the connection at once.
type oneShot struct {
	dialer net.Dialer
	tls    *tls.Config // nil: the system roots and the URL's host name
}

var _ http.RoundTripper = (*oneShot)(nil)

// RoundTrip sends req on a new connection and returns the first final
// response (1xx answers are read past). The body's Close closes the
// connection.
func (t *oneShot) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody {
		defer req.Body.Close() // RoundTrip must close it, even on errors
	}
	ctx := req.Context()
	var port string
	switch req.URL.Scheme {
	case "http":
		port = "80"
	case "https":
		port = "443"
	default:
		return nil, fmt.Errorf("unsupported protocol scheme %q: want http or https", req.URL.Scheme)
	}
	if p := req.URL.Port(); p != "" {
		port = p
	}
	conn, err := t.dialer.DialContext(ctx, "tcp", net.JoinHostPort(req.URL.Hostname(), port))
	if err != nil {
		return nil, err
	}
	if req.URL.Scheme == "https" {
		cfg := &tls.Config{}
		if t.tls != nil {
			cfg = t.tls.Clone()
		}
		if cfg.ServerName == "" {
			cfg.ServerName = req.URL.Hostname()
		}
		tc := tls.Client(conn, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, err
		}
		conn = tc
	}
	if d, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(d)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	fail := func(err error) (*http.Response, error) {
		stop()
		conn.Close()
		return nil, contextErr(ctx, err)
	}
	out := *req // RoundTrip must not change req; the copy asks the server to close
	out.Close = true
	if err := out.Write(conn); err != nil {
		return fail(err)
	}
	br := bufio.NewReader(conn)
	for {
		resp, err := http.ReadResponse(br, req)
		if err != nil {
			return fail(err)
		}
		if resp.StatusCode >= 200 || resp.StatusCode == http.StatusSwitchingProtocols {
			resp.Body = &connBody{ReadCloser: resp.Body, ctx: ctx, conn: conn, stop: stop}
			return resp, nil
		}
		_ = resp.Body.Close() // a 1xx has no body; the final answer follows
	}
}

// contextErr returns ctx's error for an I/O error that ctx caused: the
// connection's deadline is the context's, and its timer may fire before the
// context's own. Other errors are returned as they are.
func contextErr(ctx context.Context, err error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, ok := ctx.Deadline(); ok && errors.Is(err, os.ErrDeadlineExceeded) {
		return context.DeadlineExceeded
	}
	return err
}

// connBody is a response body that closes its connection.
type connBody struct {
	io.ReadCloser
	ctx  context.Context
	conn net.Conn
	stop func() bool
}

func (b *connBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		err = contextErr(b.ctx, err)
	}
	return n, err
}

func (b *connBody) Close() error {
	b.stop()
	err := b.ReadCloser.Close()
	if cerr := b.conn.Close(); err == nil {
		err = cerr
	}
	return err
}
