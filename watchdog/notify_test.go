package watchdog_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigilhq/vigil/watchdog"
)

// TestSystemdNotify runs the supervisor against a fake NOTIFY_SOCKET: READY=1
// after start, WATCHDOG=1 with STATUS= while the loops answer, no WATCHDOG=1
// while a loop is wedged, STOPPING=1 on shutdown.
func TestSystemdNotify(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	t.Setenv("NOTIFY_SOCKET", sock)
	msgs := make(chan string, 1000)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				close(msgs)
				return
			}
			msgs <- string(buf[:n])
		}
	}()
	sup, err := watchdog.New(parseConfig(t, dir, fmt.Sprintf(`  one:
    command: %s
    env: {VIGIL_HELPER: sleep}
`, helperCmd(t))), watchdog.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Notify: true, WatchdogInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sup.Run(ctx) }()

	next := func(what string, pred func(string) bool) string {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for {
			select {
			case m := <-msgs:
				if pred(m) {
					return m
				}
			case <-deadline:
				t.Fatalf("no %s message", what)
			}
		}
	}
	next("READY=1", func(m string) bool { return strings.Contains(m, "READY=1") })
	m := next("WATCHDOG=1", func(m string) bool { return strings.Contains(m, "WATCHDOG=1") })
	if !strings.Contains(m, "STATUS=") {
		t.Errorf("WATCHDOG=1 without a STATUS= summary: %q", m)
	}

	release, err := sup.BlockLoop("one")
	if err != nil {
		t.Fatal(err)
	}
	next("stuck status", func(m string) bool { return strings.Contains(m, "supervision loop stuck: one") })
	// For ten intervals no WATCHDOG=1 may arrive.
	quiet := time.After(500 * time.Millisecond)
	for wedged := true; wedged; {
		select {
		case m := <-msgs:
			if strings.Contains(m, "WATCHDOG=1") {
				t.Fatalf("WATCHDOG=1 sent while a supervision loop was wedged: %q", m)
			}
		case <-quiet:
			wedged = false
		}
	}
	release()
	next("WATCHDOG=1 after release", func(m string) bool { return strings.Contains(m, "WATCHDOG=1") })
	cancel()
	next("STOPPING=1", func(m string) bool { return strings.Contains(m, "STOPPING=1") })
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
