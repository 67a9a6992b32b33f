package health

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/vigilhq/vigil/watchdog/config"
)

// rawServer accepts one connection at a time on loopback and hands it to
// serve in the goroutine it started before the test measures anything.
func rawServer(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() {
		l.Close()
		<-done
	})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			serve(c)
			c.Close()
		}
	}()
	return "http://" + l.Addr().String()
}

// TestHTTPCheckRunsInItsCallersGoroutine: a run starts no goroutine of its
// own. net/http's Transport started three per request (dial, read loop,
// write loop), a cost paid 20 times a second by 20 services' checks.
func TestHTTPCheckRunsInItsCallersGoroutine(t *testing.T) {
	inside := make(chan struct{})
	release := make(chan struct{})
	url := rawServer(t, func(c net.Conn) {
		if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
			return
		}
		inside <- struct{}{}
		<-release
		_, _ = c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
	})
	chk, err := New(config.Check{HTTP: &config.HTTPCheck{URL: url + "/health"}}.Defaulted(), Deps{})
	if err != nil {
		t.Fatal(err)
	}
	defer Close(chk)
	before := runtime.NumGoroutine()
	errc := make(chan error, 1)
	go func() {
		_, err := chk.Check(context.Background())
		errc <- err
	}()
	<-inside
	during := runtime.NumGoroutine() - before
	close(release)
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if during != 1 {
		t.Fatalf("%d goroutines while a check waited for its answer, want 1 (the run's own)", during)
	}
}

// TestHTTPAsksTheServerToClose: every run says Connection: close, so the
// service frees the connection at once, and reads past 1xx answers.
func TestHTTPAsksTheServerToCloseAndReadsPast1xx(t *testing.T) {
	got := make(chan string, 1)
	url := rawServer(t, func(c net.Conn) {
		req, err := http.ReadRequest(bufio.NewReader(c))
		if err != nil {
			return
		}
		got <- req.Header.Get("Connection")
		_, _ = c.Write([]byte("HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nhealthy"))
	})
	_, err := runCheck(t, config.Check{HTTP: &config.HTTPCheck{URL: url + "/health", BodyContains: "healthy"}}, Deps{})
	checkOutcome(t, "", err, "", "")
	if c := <-got; !strings.EqualFold(c, "close") {
		t.Errorf("Connection: %q, want close", c)
	}
}

func TestHTTPFollowsRedirects(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/old", http.RedirectHandler("/health", http.StatusFound))
	mux.HandleFunc("/health", reconHandler)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	_, err := runCheck(t, config.Check{HTTP: &config.HTTPCheck{URL: srv.URL + "/old", BodyContains: `"healthy"`}}, Deps{})
	checkOutcome(t, "", err, "", "")
}

// TestHTTPSlowBodyIsBoundedByTimeout: the timeout covers the body too.
func TestHTTPSlowBodyIsBoundedByTimeout(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		_, _ = w.Write([]byte("partial"))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer srv.Close()
	within(t, 3*time.Second, "HTTP check whose body stalls, timeout 200ms", func() {
		_, err := runCheck(t, config.Check{HTTP: &config.HTTPCheck{URL: srv.URL}, Timeout: 200 * time.Millisecond}, Deps{})
		checkOutcome(t, "", err, "no answer before the check's timeout", "")
	})
}

func TestHTTPUnsupportedScheme(t *testing.T) {
	_, err := runCheck(t, config.Check{HTTP: &config.HTTPCheck{URL: "ftp://127.0.0.1/health"}}, Deps{})
	checkOutcome(t, "", err, "want http or https", "")
}
