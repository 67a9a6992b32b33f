package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vigilhq/vigil/faults/porttest"
	"github.com/vigilhq/vigil/watchdog/proc/proctest"

	"github.com/vigilhq/vigil/watchdog"
	"github.com/vigilhq/vigil/watchdog/api"
)

// TestMain doubles as the watchdog (VIGIL_TEST_MAIN=1) and as small
// services (VIGIL_HELPER=http PORT, VIGIL_HELPER=accept), so tests can kill
// real processes.
func TestMain(m *testing.M) {
	watchdog.ExecShim()
	switch os.Getenv("VIGIL_HELPER") {
	case "http":
		l, err := net.Listen("tcp", "127.0.0.1:"+os.Args[1])
		if err != nil {
			os.Exit(3)
		}
		_ = http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintf(w, "ok %d", os.Getpid()) }))
		os.Exit(0)
	case "accept":
		os.Exit(blockingAccept())
	case "escape", "escape-mid", "sleep":
		os.Exit(escapeHelper(os.Getenv("VIGIL_HELPER"), os.Args[1:]))
	}
	if os.Getenv("VIGIL_TEST_MAIN") == "1" { // after VIGIL_HELPER: services inherit this
		if n, err := strconv.ParseUint(os.Getenv("VIGIL_TEST_NOFILE"), 10, 64); err == nil {
			// Both limits: the Go runtime raises the soft one to the hard one.
			if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: n, Max: n}); err != nil {
				fmt.Fprintln(os.Stderr, "setrlimit:", err)
				os.Exit(4)
			}
		}
		os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr))
	}
	proctest.VerifyTestMain(m)
}

// writeWebConfig writes dir/vigil.yaml with the api keys apiYAML (indented
// lines), logs in dir/logs and one service, web: the http helper on port,
// with the service keys extra (indented lines) added. It returns the path.
func writeWebConfig(t *testing.T, dir, apiYAML string, port int, extra string) string {
	t.Helper()
	cfg := fmt.Sprintf("version: 1\napi:\n%slogs:\n  dir: %s/logs\nservices:\n%s", apiYAML, dir, httpService("web", port, extra))
	path := filepath.Join(dir, "vigil.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// httpService is the YAML of the service name (under services:): the http
// helper listening on port, with the service keys extra (indented lines)
// added.
func httpService(name string, port int, extra string) string {
	return fmt.Sprintf("  %s:\n    command: [%q, \"%d\"]\n    env: {VIGIL_HELPER: http}\n    ports: [%d]\n%s", name, os.Args[0], port, port, extra)
}

// startWatchdog runs `watchdog run -c cfg` as a real process; env adds to
// the test's environment.
func startWatchdog(t *testing.T, cfg string, env ...string) *exec.Cmd {
	t.Helper()
	return startWatchdogArgs(t, []string{"run", "-c", cfg}, env...)
}

// startWatchdogArgs runs `watchdog ARGS…` as a real process.
func startWatchdogArgs(t *testing.T, args []string, env ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "VIGIL_TEST_MAIN=1", proctest.Mark(t)), env...)
	out := new(proctest.Buffer) // the copying goroutine may still write when Cleanup reads
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if testing.Verbose() || t.Failed() {
			t.Logf("watchdog pid %d output:\n%s", cmd.Process.Pid, out.String())
		}
	})
	return cmd
}

// writeConfig writes vigil.yaml into a new temp dir: api.socket in
// {dir}/run, api.listen when listen is set, logs in {dir}/logs, then rest
// (top-level YAML, services: and after), with every "{dir}" replaced by the
// dir. It returns the dir, the file's path and a client for the socket.
func writeConfig(t *testing.T, listen, rest string) (dir, path string, client *api.Client) {
	t.Helper()
	dir = t.TempDir()
	y := "version: 1\napi:\n  socket: {dir}/run/vigil.sock\n"
	if listen != "" {
		y += "  listen: " + listen + "\n"
	}
	y += "logs:\n  dir: {dir}/logs\n" + rest
	path = filepath.Join(dir, "vigil.yaml")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(y, "{dir}", dir)), 0o644); err != nil {
		t.Fatal(err)
	}
	client = api.NewSocketClient(filepath.Join(dir, "run", "vigil.sock"))
	t.Cleanup(client.Close)
	return dir, path, client
}

// waitRestarted waits until the first service runs with a pid other than
// old, and kills the new process group at cleanup.
func waitRestarted(t *testing.T, c *api.Client, old int, timeout time.Duration) watchdog.ServiceStatus {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		st, err := c.Status(context.Background())
		if err == nil && len(st.Services) > 0 && st.Services[0].PID != 0 && st.Services[0].PID != old {
			svc := st.Services[0]
			t.Cleanup(func() { _ = syscall.Kill(-svc.PGID, syscall.SIGKILL) })
			return svc
		}
		if time.Now().After(deadline) {
			t.Fatalf("pid %d killed, not restarted after %s: %+v %v", old, timeout, st, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func waitHealthy(t *testing.T, c *api.Client, timeout time.Duration) watchdog.Status {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		st, err := c.Status(ctx)
		cancel()
		// The API may answer before Run has launched the services.
		if err == nil && st.Status == watchdog.HealthHealthy && len(st.Services) > 0 {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("not healthy after %s: %+v %v", timeout, st, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestKill9WatchdogAdoptsServices: under steady probing, kill -9 the
// watchdog and start it again — zero failed probes, no service restarted,
// the running process adopted.
func TestKill9WatchdogAdoptsServices(t *testing.T) {
	port := porttest.Free(t)
	_, cfgPath, client := writeConfig(t, "", "services:\n"+httpService("web", port, fmt.Sprintf(`    health:
      liveness:
        - http: {url: "http://127.0.0.1:%d/"}
          interval: 200ms
          timeout: 150ms
`, port)))

	first := startWatchdog(t, cfgPath)
	before := waitHealthy(t, client, 15*time.Second).Services[0]
	t.Cleanup(func() { _ = syscall.Kill(-before.PGID, syscall.SIGKILL) })

	// Probe the service every 20 ms throughout.
	stop := make(chan struct{})
	res := make(chan [2]int, 1)
	go func() {
		probe := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
		ok, failed := 0, 0
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				res <- [2]int{ok, failed}
				return
			case <-tick.C:
			}
			resp, err := probe.Get(fmt.Sprintf("http://127.0.0.1:%d/", port))
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			if err != nil || resp.StatusCode != 200 {
				failed++
			} else {
				ok++
			}
		}
	}()

	time.Sleep(300 * time.Millisecond)
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	killed := time.Now()
	second := startWatchdog(t, cfgPath)
	after := waitHealthy(t, client, 15*time.Second).Services[0]
	t.Logf("new watchdog healthy %v after the kill", time.Since(killed).Round(time.Millisecond))
	time.Sleep(500 * time.Millisecond)
	close(stop)
	counts := <-res

	evs, err := client.Events(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var adopted bool
	for _, ev := range evs {
		adopted = adopted || (ev.Kind == watchdog.EventAdopted && ev.PID == before.PID)
	}
	t.Logf("probes: %d ok, %d failed", counts[0], counts[1])
	if after.PID != before.PID || !after.Adopted || after.Restarts != 0 || !adopted {
		t.Fatalf("after the watchdog restart: pid %d→%d adopted=%v (event %v) restarts=%d; want the same process adopted", before.PID, after.PID, after.Adopted, adopted, after.Restarts)
	}
	if counts[1] != 0 {
		t.Fatalf("%d probes failed while the watchdog restarted, want 0", counts[1])
	}

	// The adopted process is supervised: kill it and the new watchdog restarts it.
	if err := syscall.Kill(before.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if exit := waitRestarted(t, client, before.PID, 10*time.Second).LastExit; !strings.Contains(exit.Signal+fmt.Sprint(exit.Code), "-1") {
		t.Errorf("last exit of an adopted process = %+v, want code -1 (unknown)", exit)
	}
	if err := second.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := second.Wait(); err != nil {
		t.Fatalf("watchdog exit after SIGTERM: %v, want 0", err)
	}
}

func TestValidateExitCodes(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	_ = os.WriteFile(good, []byte("version: 1\nservices:\n  a:\n    command: [\"true\"]\n"), 0o644)
	_ = os.WriteFile(bad, []byte("version: 1\nservices:\n  a:\n    comand: [\"true\"]\n"), 0o644)
	nodir := filepath.Join(dir, "nodir.yaml") // a host check: run fails only when it starts a
	_ = os.WriteFile(nodir, []byte("version: 1\nservices:\n  a:\n    command: [\"true\"]\n    dir: ./gone\n"), 0o644)
	for _, tc := range []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"validate", "-c", good}, exitOK, "ok (1 services"},
		{[]string{"validate", "-c", bad}, exitUsage, "bad.yaml:4"},
		{[]string{"validate", "-c", nodir}, exitUsage, "nodir.yaml:5: services.a.dir: working dir " + dir + "/gone does not exist"},
		{[]string{"nope"}, exitUsage, "unknown command"},
		{[]string{"--help"}, exitOK, "Exit codes"},
		{[]string{"status", "--socket", filepath.Join(dir, "none.sock")}, exitError, "cannot reach the watchdog"},
		{[]string{"restart"}, exitUsage, "usage: watchdog restart"},
		{[]string{"install", "systemd", "-c", installable(t), "--dry-run", "--binary", "/usr/bin/true"}, exitOK, "KillMode=process"},
		{[]string{"install", "launchd", "-c", installable(t), "--dry-run", "--binary", "/usr/bin/true"}, exitOK, "<key>KeepAlive</key>"},
		{[]string{"install", "upstart"}, exitUsage, "usage: watchdog install systemd|launchd"},
		{[]string{"install", "systemd", "-c", bad, "--dry-run"}, exitUsage, "bad.yaml:4"},
	} {
		var out bytes.Buffer
		if code := dispatch(tc.args, &out, &out); code != tc.code || !strings.Contains(out.String(), tc.out) {
			t.Errorf("watchdog %v = %d %q, want %d containing %q", tc.args, code, out.String(), tc.code, tc.out)
		}
	}
}

// installable writes a config under $HOME, outside /tmp (a unit with
// PrivateTmp=yes refuses paths there, and the checkout itself may be under
// /tmp), and removes it after the test.
func installable(t *testing.T) string {
	t.Helper()
	home, err := os.UserHomeDir()
	if err != nil {
		t.Skipf("no home directory for an installable config: %v", err)
	}
	dir, err := os.MkdirTemp(home, ".vigil-install-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	p := filepath.Join(dir, "vigil.yaml")
	_ = os.WriteFile(p, []byte("version: 1\nservices:\n  a:\n    command: [\"true\"]\n"), 0o644)
	return p
}
