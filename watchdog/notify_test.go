package watchdog_test

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigilhq/vigil/faults/porttest"
	"github.com/vigilhq/vigil/faults/runtest"
	"github.com/vigilhq/vigil/watchdog"
)

// fakeSystemd is a NOTIFY_SOCKET listener standing in for systemd: every
// datagram the supervisor sends arrives on msgs, stamped when it was read.
type fakeSystemd struct {
	t    *testing.T
	msgs chan notifyMsg
}

type notifyMsg struct {
	text string
	at   time.Time
}

// listenNotify binds a fake systemd and points NOTIFY_SOCKET at it for the
// test. Call it before starting the supervisor: cleanups run in reverse, so
// the supervisor is stopped before the socket closes.
func listenNotify(t *testing.T) *fakeSystemd {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("NOTIFY_SOCKET", sock)
	sd := &fakeSystemd{t: t, msgs: make(chan notifyMsg, 10000)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			select {
			case sd.msgs <- notifyMsg{text: string(buf[:n]), at: time.Now()}:
			default: // a test that stopped reading has failed already
			}
		}
	}()
	t.Cleanup(func() {
		conn.Close()
		<-done
	})
	return sd
}

// next returns the first message from now on for which pred holds.
func (sd *fakeSystemd) next(what string, timeout time.Duration, pred func(string) bool) notifyMsg {
	sd.t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case m := <-sd.msgs:
			if pred(m.text) {
				return m
			}
		case <-deadline:
			sd.t.Fatalf("no %s message within %s", what, timeout)
		}
	}
}

// has matches a message carrying the given line (READY=1, WATCHDOG=1, ...).
func has(line string) func(string) bool {
	return func(m string) bool { return strings.Contains("\n"+m+"\n", "\n"+line+"\n") }
}

// tcpHealth is a service's health: YAML with one check of type typ
// (liveness or readiness) probing a loopback port every 100 ms; extra
// lines (e.g. "start_period: 30s") are added to the check.
func tcpHealth(typ string, port int, extra ...string) string {
	y := fmt.Sprintf(`    health:
      %s:
        - tcp: {address: "127.0.0.1:%d"}
          interval: 100ms
          timeout: 50ms
`, typ, port)
	for _, e := range extra {
		y += "          " + e + "\n"
	}
	return y
}

// TestSystemdNotify runs the supervisor against a fake NOTIFY_SOCKET: READY=1
// after start, WATCHDOG=1 with STATUS= while the loops answer, no WATCHDOG=1
// while a loop is wedged, STOPPING=1 on shutdown.
func TestSystemdNotify(t *testing.T) {
	sd := listenNotify(t)
	dir := t.TempDir()
	sup, err := watchdog.New(parseConfig(t, dir, fmt.Sprintf(`  one:
    command: %s
    env: {VIGIL_HELPER: sleep}
`, helperCmd(t))), watchdog.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Notify: true, WatchdogInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	stop := runtest.Start(t, sup.Run, 30*time.Second)

	const wait = 10 * time.Second
	sd.next("READY=1", wait, has("READY=1"))
	m := sd.next("WATCHDOG=1", wait, has("WATCHDOG=1"))
	if !strings.Contains(m.text, "STATUS=") {
		t.Errorf("WATCHDOG=1 without a STATUS= summary: %q", m.text)
	}

	release, err := sup.BlockLoop("one")
	if err != nil {
		t.Fatal(err)
	}
	sd.next("stuck status", wait, func(m string) bool { return strings.Contains(m, "supervision loop stuck: one") })
	// For ten intervals no WATCHDOG=1 may arrive.
	quiet := time.After(500 * time.Millisecond)
	for wedged := true; wedged; {
		select {
		case m := <-sd.msgs:
			if has("WATCHDOG=1")(m.text) {
				t.Fatalf("WATCHDOG=1 sent while a supervision loop was wedged: %q", m.text)
			}
		case <-quiet:
			wedged = false
		}
	}
	release()
	sd.next("WATCHDOG=1 after release", wait, has("WATCHDOG=1"))
	stop()
	sd.next("STOPPING=1", wait, has("STOPPING=1")) // Run sends it before it returns
}

// TestReadyTooEarly pins issue 11 (1): READY=1 went out as soon as every
// service loop existed, while api (depends_on web: healthy) had not even been
// launched, so a unit ordered After=vigil.service found nothing listening.
// Now, when READY=1 arrives, both answer.
func TestReadyTooEarly(t *testing.T) {
	sd := listenNotify(t)
	web, api := porttest.Free(t), porttest.Free(t)
	startHarnessWith(t, fmt.Sprintf(`  web:
    command: %s
    env: {VIGIL_HELPER: slowbind}
%s  api:
    command: %s
    env: {VIGIL_HELPER: http}
    depends_on: {web: healthy}
%s`, helperCmd(t, strconv.Itoa(web), "300ms"), tcpHealth("liveness", web, "start_period: 30s"),
		helperCmd(t, strconv.Itoa(api)), tcpHealth("liveness", api, "start_period: 30s")), watchdog.Options{Notify: true})

	m := sd.next("READY=1", 30*time.Second, has("READY=1"))
	t.Logf("at READY: %q", m.text)
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", web), time.Second)
	if err != nil {
		t.Errorf("web after READY=1: %v", err)
	} else {
		c.Close()
	}
	client := http.Client{Timeout: time.Second}
	resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/health", api))
	if err != nil {
		t.Fatalf("api after READY=1: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("api after READY=1: GET /health = %d, want 200", resp.StatusCode)
	}
}

// TestStatusStale pins issue 11 (2): STATUS= was refreshed only with the
// watchdog ping, so `systemctl status` said "unhealthy" for up to 5 s after
// every service was healthy. Now each change of the summary is sent within
// a second of the health event that caused it.
func TestStatusStale(t *testing.T) {
	sd := listenNotify(t)
	port := porttest.Free(t)
	h := startHarnessWith(t, fmt.Sprintf(`  one:
    command: %s
    env: {VIGIL_HELPER: sleep}
%s`, helperCmd(t), tcpHealth("readiness", port, "failures: 1")), watchdog.Options{Notify: true}) // no WatchdogInterval: no pings to piggyback on
	// Nothing listens yet: unhealthy, maybe already in the STATUS= that
	// comes with READY=1. A service is unhealthy until its checks pass, so
	// when its first evaluation finds the check failing its health does
	// not change and no health event comes: wait for the status instead.
	h.waitStatus("running with its check failing", "one", 10*time.Second, func(st watchdog.ServiceStatus) bool {
		return st.State == watchdog.StateRunning && st.Health == watchdog.HealthUnhealthy && st.Reason != ""
	})
	sd.next("STATUS=unhealthy", 10*time.Second, has("STATUS=unhealthy: 1 unhealthy"))

	var l net.Listener
	defer func() {
		if l != nil {
			l.Close()
		}
	}()
	steps := []struct {
		name   string
		change func()
		health watchdog.Health
		status string
	}{
		{"listening", func() {
			var err error
			if l, err = net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err != nil {
				t.Fatal(err)
			}
		}, watchdog.HealthHealthy, "healthy: 1 healthy"},
		{"closed again", func() { l.Close(); l = nil }, watchdog.HealthUnhealthy, "unhealthy: 1 unhealthy"},
	}
	for _, st := range steps {
		since := time.Now()
		st.change()
		ev := h.waitEvent(string(st.health), 10*time.Second, func(ev watchdog.Event) bool {
			return ev.Kind == watchdog.EventHealth && ev.Service == "one" && ev.Health == st.health
		})
		// Only a message sent after the change can report it.
		var m notifyMsg
		for m.at.Before(since) {
			m = sd.next("STATUS="+st.status, 10*time.Second, has("STATUS="+st.status))
		}
		if lag := m.at.Sub(ev.Time); lag > time.Second {
			t.Errorf("%s: STATUS=%s sent %s after the health event, want within 1s", st.name, st.status, lag)
		}
	}
}

// TestReadyAfterStartTimeout: a service that never comes up delays READY=1
// only until StartTimeout, and the STATUS= sent with it names that service;
// a service that is not wanted (restart: never, exited) delays nothing.
func TestReadyAfterStartTimeout(t *testing.T) {
	sd := listenNotify(t)
	startHarnessWith(t, fmt.Sprintf(`  down:
    command: %s
    env: {VIGIL_HELPER: sleep}
%s  once:
    command: %s
    env: {VIGIL_HELPER: exit}
    restart: {policy: never}
`, helperCmd(t), tcpHealth("liveness", porttest.Free(t), "failures: 1000"), helperCmd(t, "0", "0s")), watchdog.Options{Notify: true, StartTimeout: 500 * time.Millisecond})
	m := sd.next("READY=1", 10*time.Second, has("READY=1"))
	if want := "; not up after 500ms: down"; !strings.HasSuffix(strings.TrimSpace(m.text), want) {
		t.Errorf("READY=1 after the start timeout = %q, want a STATUS= ending %q", m.text, want)
	}
}
