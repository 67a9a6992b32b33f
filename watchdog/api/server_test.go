package api_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigilhq/vigil/watchdog/api"
	"github.com/vigilhq/vigil/watchdog/api/apitest"
)

var errAcceptBroken = errors.New("accept: listener broken")

// brokenListener is a real listener whose Accept fails for good, as after
// the socket file's filesystem goes away.
type brokenListener struct{ net.Listener }

func (brokenListener) Accept() (net.Conn, error) { return nil, errAcceptBroken }

func listenTCP(t *testing.T) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestShutdownHangAfterServeError pins issue 10 defect 5: one listener's
// Serve failing left Run waiting for one result more than would come, so
// the watchdog ignored SIGTERM.
func TestShutdownHangAfterServeError(t *testing.T) {
	srv := api.New(nil, api.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.ServeOn(ctx, listenTCP(t), brokenListener{listenTCP(t)}) }()
	select {
	case err := <-done:
		if !errors.Is(err, errAcceptBroken) {
			t.Fatalf("ServeOn() = %v, want %v", err, errAcceptBroken)
		}
	case <-time.After(10 * time.Second):
		cancel() // as SIGTERM would
		select {
		case <-done:
			t.Fatal("ServeOn returned only after cancel, want it to return on the Serve error")
		case <-time.After(10 * time.Second):
			t.Fatal("ServeOn did not return 10s after a Serve error nor 10s after cancel")
		}
	}
}

// runServer runs an API server without a supervisor (requests must not
// reach one: unknown paths answer 404) until the test ends.
func runServer(t *testing.T, opts api.Options) *api.Server {
	t.Helper()
	srv := api.New(nil, opts)
	apitest.Run(t, srv)
	return srv
}

// get sends one keep-alive request on c and reads its answer.
func get(c net.Conn, br *bufio.Reader) error {
	if _, err := fmt.Fprint(c, "GET /nope HTTP/1.1\r\nHost: vigil\r\n\r\n"); err != nil {
		return err
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.Body.Close()
}

// TestIdleConnectionsTimeOut pins issue 10 defect 8: a keep-alive
// connection idle after a request was never closed, on TCP or the socket.
func TestIdleConnectionsTimeOut(t *testing.T) {
	const idle = 200 * time.Millisecond
	sock := filepath.Join(t.TempDir(), "vigil.sock")
	srv := runServer(t, api.Options{Listen: "127.0.0.1:0", Socket: sock, IdleTimeout: idle, ReadHeaderTimeout: idle})
	for _, tc := range []struct {
		name, network, addr string
		request             bool
	}{
		{"tcp idle after a request", "tcp", srv.Addr().String(), true},
		{"socket idle after a request", "unix", sock, true},
		{"tcp silent from the start", "tcp", srv.Addr().String(), false},
		{"socket silent from the start", "unix", sock, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := net.Dial(tc.network, tc.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			br := bufio.NewReader(c)
			if tc.request {
				if err := get(c, br); err != nil {
					t.Fatal(err)
				}
			}
			t0 := time.Now()
			_ = c.SetReadDeadline(t0.Add(10 * time.Second))
			if n, err := br.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
				t.Fatalf("read on an idle connection = %d, %v; want EOF (closed by the server after %s)", n, err, idle)
			}
			t.Logf("closed %s after going idle", time.Since(t0).Round(time.Millisecond))
		})
	}
}

// TestConnectionCap pins the cap on api.listen: past MaxConns, a client
// waits in the backlog (holding no descriptor of the watchdog) until a
// connection closes.
func TestConnectionCap(t *testing.T) {
	srv := runServer(t, api.Options{Listen: "127.0.0.1:0", MaxConns: 2})
	var open []net.Conn
	for i := 0; i < 3; i++ {
		c, err := net.Dial("tcp", srv.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		open = append(open, c)
	}
	for i, c := range open[:2] {
		if err := get(c, bufio.NewReader(c)); err != nil {
			t.Fatalf("connection %d within the cap: %v", i+1, err)
		}
	}
	third := open[2]
	if _, err := fmt.Fprint(third, "GET /nope HTTP/1.1\r\nHost: vigil\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	_ = third.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	br := bufio.NewReader(third)
	if _, err := br.Peek(1); !isTimeout(err) {
		t.Fatalf("third connection over a cap of 2 answered (err %v), want it queued", err)
	}
	open[0].Close()
	_ = third.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("third connection after one closed: %v, want an answer", err)
	}
	resp.Body.Close()
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
