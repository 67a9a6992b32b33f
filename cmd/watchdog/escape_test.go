package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vigilhq/vigil/watchdog"
	"github.com/vigilhq/vigil/watchdog/api"
)

// escapeHelper runs the helper modes of the escape tests:
//
//	escape PIDFILE: start escape-mid in a new session, then wait for SIGTERM
//	escape-mid PIDFILE: start a sleeper, write its pid to PIDFILE, exit at
//	  once: the sleeper is orphaned outside the service's process group
//	  (with VIGIL_SLEEPER_EXITS=1 the sleeper exits at once too)
//	sleep: wait for SIGTERM (ignored with VIGIL_IGNORE_TERM=1), exit 0; with
//	  VIGIL_EXIT_AT_ONCE=1, exit 0 at once
func escapeHelper(mode string, args []string) int {
	switch mode {
	case "escape":
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env = append(os.Environ(), "VIGIL_HELPER=escape-mid")
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		if err := cmd.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "escape:", err)
			return 4
		}
	case "escape-mid":
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), "VIGIL_HELPER=sleep", "VIGIL_IGNORE_TERM=1")
		if os.Getenv("VIGIL_SLEEPER_EXITS") == "1" {
			cmd.Env = append(cmd.Env, "VIGIL_EXIT_AT_ONCE=1")
		}
		if err := cmd.Start(); err != nil {
			return 4
		}
		if err := os.WriteFile(args[0]+".tmp", []byte(strconv.Itoa(cmd.Process.Pid)), 0o644); err != nil {
			return 4
		}
		if err := os.Rename(args[0]+".tmp", args[0]); err != nil {
			return 4
		}
		return 0
	}
	if os.Getenv("VIGIL_EXIT_AT_ONCE") == "1" {
		return 0
	}
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGTERM)
	if os.Getenv("VIGIL_IGNORE_TERM") == "1" {
		signal.Ignore(syscall.SIGTERM)
	}
	fmt.Println("ready")
	<-c
	return 0
}

// testMarker returns an environment entry unique to this test, given to
// every watchdog it starts (and so inherited by every service and their
// descendants), and kills every process carrying it at cleanup, pass or fail.
func testMarker(t *testing.T) string {
	t.Helper()
	kv := fmt.Sprintf("VIGIL_TEST_TREE=%s-%d-%d", strings.ReplaceAll(t.Name(), "/", "."), os.Getpid(), time.Now().UnixNano())
	t.Cleanup(func() {
		for try := 0; try < 50; try++ {
			pids := marked(kv, false)
			if len(pids) == 0 {
				return
			}
			for _, pid := range pids {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
			time.Sleep(20 * time.Millisecond) // bounded: waits for SIGKILL to land
		}
		t.Errorf("processes marked %s survive SIGKILL: %v", kv, marked(kv, false))
	})
	return kv
}

// marked lists live processes (no zombies) whose environment holds kv;
// servicesOnly keeps only services and their descendants (VIGIL_HELPER
// set), leaving out the watchdogs.
func marked(kv string, servicesOnly bool) []int {
	var out []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
		if err != nil || !bytes.Contains(env, []byte(kv+"\x00")) {
			continue
		}
		if servicesOnly && !bytes.Contains(env, []byte("\x00VIGIL_HELPER=")) {
			continue
		}
		if st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil && !strings.Contains(string(st), ") Z ") {
			out = append(out, pid)
		}
	}
	return out
}

// waitPIDFile waits for path to hold a pid.
func waitPIDFile(t *testing.T, path string, timeout time.Duration) int {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		b, err := os.ReadFile(path)
		if pid, _ := strconv.Atoi(string(b)); err == nil && pid > 0 {
			return pid
		}
		if time.Now().After(deadline) {
			t.Fatalf("no pid in %s after %s", path, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitStopped waits for a watchdog process to exit 0 after SIGTERM.
func waitStopped(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("watchdog exit after SIGTERM: %v, want 0", err)
		}
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatal("watchdog did not exit 30s after SIGTERM")
	}
}

// TestSetsidDoubleForkEscapesStopAndShutdown pins issue 10 defect 16: a
// descendant that called setsid and was orphaned by a double fork survived
// `watchdog stop` and the watchdog's shutdown (6 of 10, 12 of 20), under
// `run` and `init`, and nothing reported it. The sleeper also ignores
// SIGTERM, so only the SIGKILL after stop.timeout ends it.
func TestSetsidDoubleForkEscapesStopAndShutdown(t *testing.T) {
	for _, mode := range []string{"run", "init"} {
		t.Run(mode, func(t *testing.T) {
			kv := testMarker(t)
			pidFile, cfgPath, client := escaperConfig(t, "env: {VIGIL_HELPER: escape}\n    stop: {timeout: 300ms}")
			wd := startWatchdogArgs(t, []string{mode, "-c", cfgPath}, kv)
			st := waitHealthy(t, client, 15*time.Second)
			if st.EscapeHandling != watchdog.EscapeSubreaper {
				t.Errorf("status escape_handling = %q, want %q", st.EscapeHandling, watchdog.EscapeSubreaper)
			}
			var out bytes.Buffer
			if code := dispatch([]string{"status", "-c", cfgPath}, &out, &out); code != exitOK || !strings.Contains(out.String(), "escape handling: subreaper") {
				t.Errorf("watchdog status = %d %q, want it to name the escape handling", code, out.String())
			}

			sleeper := waitPIDFile(t, pidFile, 10*time.Second)
			assertEscaped(t, sleeper, st.Services[0].PGID)
			if code := dispatch([]string{"stop", "-c", cfgPath, "escaper"}, &out, &out); code != exitOK {
				t.Fatalf("watchdog stop escaper = %d: %s", code, out.String())
			}
			if left := marked(kv, true); len(left) > 0 {
				t.Errorf("after `watchdog stop`: %d survivors %v (sleeper %d), want 0", len(left), left, sleeper)
			}

			_ = os.Remove(pidFile)
			if _, err := client.Control(context.Background(), "start", "escaper"); err != nil {
				t.Fatal(err)
			}
			sleeper = waitPIDFile(t, pidFile, 10*time.Second)
			waitStopped(t, wd)
			if left := marked(kv, true); len(left) > 0 {
				t.Errorf("after shutdown: %d survivors %v (sleeper %d), want 0", len(left), left, sleeper)
			}
		})
	}
}

// TestSubreaperReapsOrphansWhileServiceRuns: as child subreaper the
// watchdog receives a service's orphans; one that exits while its service
// runs must not stay a zombie (init used to reap it). It is reaped on the
// SIGCHLD of its exit, not at a periodic sweep of every process.
func TestSubreaperReapsOrphansWhileServiceRuns(t *testing.T) {
	kv := testMarker(t)
	pidFile, cfgPath, client := escaperConfig(t, `env: {VIGIL_HELPER: escape, VIGIL_SLEEPER_EXITS: "1"}`)
	wd := startWatchdog(t, cfgPath, kv)
	before := waitHealthy(t, client, 15*time.Second).Services[0]
	orphan := waitPIDFile(t, pidFile, 10*time.Second)
	deadline := time.Now().Add(20 * time.Second)
	var zombieSince time.Time
	for processState(orphan, "Z") || processState(orphan, "S", "R") {
		if time.Now().After(deadline) {
			t.Fatalf("orphan %d of a running service still present 20s later (zombie: %v)", orphan, processState(orphan, "Z"))
		}
		if zombieSince.IsZero() && processState(orphan, "Z") {
			zombieSince = time.Now()
		}
		if !zombieSince.IsZero() && time.Since(zombieSince) > 2*time.Second {
			t.Fatalf("orphan %d has been a zombie for 2s: the watchdog did not reap it on its exit", orphan)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if after := waitHealthy(t, client, 5*time.Second).Services[0]; after.PID != before.PID {
		t.Errorf("service pid %d → %d while its orphan was reaped, want it untouched", before.PID, after.PID)
	}
	waitStopped(t, wd)
}

// escaperConfig writes a config with one service, escaper: the escape
// helper, which writes its orphan's pid to pidFile, with the service keys
// (indented lines after the first) added.
func escaperConfig(t *testing.T, keys string) (pidFile, cfgPath string, client *api.Client) {
	t.Helper()
	dir, cfgPath, client := writeConfig(t, "", fmt.Sprintf("services:\n  escaper:\n    command: [%q, \"{dir}/sleeper.pid\"]\n    %s\n", os.Args[0], keys))
	return filepath.Join(dir, "sleeper.pid"), cfgPath, client
}

// assertEscaped checks that pid left the service's process group and is
// no longer its descendant.
func assertEscaped(t *testing.T, pid, pgid int) {
	t.Helper()
	pg, err := syscall.Getpgid(pid)
	if err != nil || pg == pgid {
		t.Fatalf("sleeper %d: pgid %d (%v), want it outside the service's group %d", pid, pg, err, pgid)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
