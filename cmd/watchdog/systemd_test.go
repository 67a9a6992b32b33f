package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The config the real-systemd test installs. web starts slowly (1 s before
// it listens); api waits for web to be healthy, starts slowly too, and leaves
// a setsid'd descendant behind. So `systemctl start` returning early shows as
// an API that does not answer, and a stop that misses escaped processes
// shows in the unit's cgroup. api's readiness follows /var/lib/vigil-test/api.down.
const systemdConfig = `version: 1
api:
  listen: 127.0.0.1:9090
  socket: /run/vigil/vigil.sock
  state_file: /var/lib/vigil/vigil.state
logs:
  dir: /var/log/vigil
services:
  web:
    command: [/opt/vigil/bin/sdsvc, -port, "8081", -delay, 1s]
    ports: [8081]
    stop: {timeout: 3s}
    health:
      liveness:
        - http: {url: "http://127.0.0.1:8081/"}
          interval: 200ms
          timeout: 150ms
          failures: 3
          start_period: 5s
  api:
    command: [/opt/vigil/bin/sdsvc, -port, "8082", -delay, 1s, -escape, -down-file, /var/lib/vigil-test/api.down]
    depends_on: {web: healthy}
    ports: [8082]
    stop: {timeout: 3s}
    health:
      liveness:
        - http: {url: "http://127.0.0.1:8082/"}
          interval: 200ms
          timeout: 150ms
          failures: 3
          start_period: 5s
      readiness:
        - http: {url: "http://127.0.0.1:8082/health"}
          interval: 200ms
          timeout: 150ms
          failures: 1
`

const (
	webPort, apiPort = 8081, 8082
	// systemdWatchdogSec is the unit's WatchdogSec= (--watchdog-sec).
	systemdWatchdogSec = 3 * time.Second
	systemdStarts      = 10
	healthyText        = "healthy: 2 healthy"
)

// TestRealSystemd installs the watchdog with `watchdog install systemd` in a
// container booted with systemd 252 as PID 1, as root and then with
// --run-as, and checks what only a real systemd shows: READY=1 only once
// every service answers, STATUS= tracking health, restart of a killed or
// frozen watchdog without a failed probe, a stop that leaves nothing behind,
// priorities in the journal, and the unit's exposure.
func TestRealSystemd(t *testing.T) {
	box := bootSystemd(t)
	box.write(t, "/etc/vigil/vigil.yaml", systemdConfig)
	box.must(t, "mkdir", "-p", "/var/lib/vigil-test")
	t.Run("root", func(t *testing.T) { checkUnit(t, box, "") })
	box.must(t, "useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "vigil")
	t.Run("run-as", func(t *testing.T) { checkUnit(t, box, "vigil") })
}

func checkUnit(t *testing.T, box *systemdBox, runAs string) {
	args := []string{"/opt/vigil/bin/watchdog", "install", "systemd", "-c", "/etc/vigil/vigil.yaml", "--watchdog-sec", systemdWatchdogSec.String()}
	if runAs != "" {
		args = append(args, "--run-as", runAs)
	}
	out := box.must(t, args...)
	// Follow the printed steps a user must run by hand: with --run-as after a
	// root install, a chown of the directories the root watchdog wrote.
	for _, line := range strings.Split(out, "\n") {
		if step := strings.TrimSpace(line); strings.HasPrefix(step, "chown ") {
			box.must(t, "sh", "-c", step)
		}
	}
	box.must(t, "systemctl", "daemon-reload")
	t.Cleanup(func() {
		_, _ = box.exec("systemctl", "stop", "vigil")
		_, _ = box.exec("/opt/vigil/bin/watchdog", "uninstall", "systemd", "-c", "/etc/vigil/vigil.yaml")
		_, _ = box.exec("systemctl", "daemon-reload")
		_, _ = box.exec("systemctl", "reset-failed")
	})
	if runAs != "" {
		if user := box.prop(t, "vigil", "User"); user != runAs {
			t.Fatalf("unit User=%q, want %q", user, runAs)
		}
	}

	t.Run("StartReturnsWhenEveryServiceAnswers", func(t *testing.T) { checkStarts(t, box) })
	box.must(t, "systemctl", "start", "vigil")
	t.Run("StatusTracksHealth", func(t *testing.T) { checkStatusText(t, box) })
	t.Run("KillMainPIDKeepsServices", func(t *testing.T) { checkRestart(t, box, "KILL", 10*time.Second) })
	t.Run("JournalShowsWarnings", func(t *testing.T) { checkJournal(t, box) })
	t.Run("SIGSTOPRestartedByWatchdogSec", func(t *testing.T) {
		checkRestart(t, box, "STOP", systemdWatchdogSec+2*time.Second)
	})
	t.Run("SecurityExposure", func(t *testing.T) { checkExposure(t, box) })
}

// checkStarts: systemctl start returns only once every service answers, and
// systemctl stop leaves nothing in the unit's cgroup, systemdStarts times.
func checkStarts(t *testing.T, box *systemdBox) {
	for i := range systemdStarts {
		start := time.Now()
		box.must(t, "systemctl", "start", "vigil")
		took := time.Since(start)
		for _, port := range []int{webPort, apiPort} {
			for _, path := range []string{"/", "/health"} {
				if _, err := box.answer(port, path); err != nil {
					t.Fatalf("start %d: systemctl start returned after %v, but :%d%s does not answer: %v", i+1, took.Round(time.Millisecond), port, path, err)
				}
			}
		}
		cg := box.prop(t, "vigil", "ControlGroup")
		if cg == "" {
			t.Fatalf("start %d: vigil.service has no ControlGroup while active", i+1)
		}
		if n := len(strings.Fields(box.must(t, "pgrep", "-f", "/opt/vigil/bin/sdsvc"))); n < 3 {
			t.Fatalf("start %d: %d sdsvc processes, want web, api and api's setsid'd descendant", i+1, n)
		}
		box.must(t, "systemctl", "stop", "vigil")
		if left, _ := box.exec("cat", "/sys/fs/cgroup/systemd"+cg+"/cgroup.procs"); left != "" && !strings.Contains(left, "No such file") {
			ps, _ := box.exec("ps", "-eo", "pid,pgid,sid,args")
			t.Fatalf("start %d: systemctl stop left processes %q in %s\n%s", i+1, left, cg, ps)
		}
		if left, err := box.exec("pgrep", "-f", "/opt/vigil/bin/sdsvc"); err == nil {
			t.Fatalf("start %d: systemctl stop left sdsvc processes %s", i+1, left)
		}
		t.Logf("start %d: systemctl start returned in %v with every service answering; stop left nothing", i+1, took.Round(time.Millisecond))
	}
}

// checkStatusText: the unit's StatusText follows api's readiness within 1 s
// each way.
func checkStatusText(t *testing.T, box *systemdBox) {
	if v, d, ok := box.waitProp(t, "vigil", "StatusText", time.Second, func(v string) bool { return v == healthyText }); !ok {
		t.Fatalf("StatusText %q %v after start, want %q", v, d, healthyText)
	}
	for _, step := range []struct {
		cmd  []string
		want string
	}{
		{[]string{"touch", "/var/lib/vigil-test/api.down"}, "unhealthy: 1 healthy, 1 unhealthy"},
		{[]string{"rm", "/var/lib/vigil-test/api.down"}, healthyText},
	} {
		box.must(t, step.cmd...)
		v, d, ok := box.waitProp(t, "vigil", "StatusText", time.Second, func(v string) bool { return v == step.want })
		if !ok {
			t.Fatalf("after %s: StatusText %q after %v, want %q within 1s", strings.Join(step.cmd, " "), v, d.Round(time.Millisecond), step.want)
		}
		t.Logf("after %s: StatusText %q in %v", strings.Join(step.cmd, " "), v, d.Round(time.Millisecond))
	}
}

// checkRestart sends sig to the watchdog (MainPID) and checks that systemd
// restarts it within bound, that the services keep their pids and that no
// probe every 50 ms fails meanwhile.
func checkRestart(t *testing.T, box *systemdBox, sig string, bound time.Duration) {
	before := servicePids(t, box)
	main := box.prop(t, "vigil", "MainPID")
	p := box.probe(webPort, apiPort)
	start := time.Now()
	box.must(t, "kill", "-"+sig, main)
	v, took, ok := box.waitProp(t, "vigil", "MainPID", bound+10*time.Second, func(v string) bool { return v != main && v != "0" })
	if ok {
		// Up again: active, and its services adopted.
		_, _, ok = box.waitProp(t, "vigil", "StatusText", 10*time.Second, func(v string) bool { return v == healthyText })
	}
	time.Sleep(500 * time.Millisecond) // keep probing the adopted services a little
	probes, failed := p.done()
	if !ok {
		t.Fatalf("SIG%s to MainPID %s: not running again with healthy services (MainPID %s after %v)", sig, main, v, took)
	}
	if took > bound {
		t.Errorf("SIG%s to MainPID %s: systemd restarted it after %v, want within %v", sig, main, took.Round(time.Millisecond), bound)
	}
	if len(failed) > 0 {
		t.Errorf("%d of %d probes every 50 ms failed while the watchdog was restarted: %s", len(failed), probes, strings.Join(failed, "; "))
	}
	if after := servicePids(t, box); after != before {
		t.Errorf("service pids %v before, %v after the watchdog restart: services must be adopted, not restarted", before, after)
	}
	t.Logf("SIG%s to MainPID %s: MainPID %s after %v; 0 of %d probes failed; services kept pids %v (%v since the signal)",
		sig, main, v, took.Round(time.Millisecond), probes, before, time.Since(start).Round(time.Millisecond))
}

// servicePids are the pids web and api report on GET /.
func servicePids(t *testing.T, box *systemdBox) [2]int {
	t.Helper()
	var pids [2]int
	for i, port := range []int{webPort, apiPort} {
		body, err := box.answer(port, "/")
		if err != nil {
			t.Fatalf(":%d: %v", port, err)
		}
		if pids[i], err = strconv.Atoi(strings.TrimPrefix(body, "ok ")); err != nil {
			t.Fatalf(":%d answered %q", port, body)
		}
	}
	return pids
}

// checkJournal: after a service is killed, `journalctl -u vigil -p warning`
// (what docs/operations.md recommends) shows the watchdog's `exited` warning.
func checkJournal(t *testing.T, box *systemdBox) {
	pid := servicePids(t, box)[1]
	box.must(t, "kill", "-KILL", strconv.Itoa(pid))
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		out := box.must(t, "journalctl", "-u", "vigil", "-p", "warning", "--no-pager", "-o", "cat")
		if strings.Contains(out, "exited") && strings.Contains(out, fmt.Sprintf("pid=%d", pid)) {
			t.Logf("journalctl -u vigil -p warning shows the kill of api (pid %d)", pid)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("journalctl -u vigil -p warning does not show api (pid %d) exited:\n%s", pid, out)
		}
	}
	if _, _, ok := box.waitProp(t, "vigil", "StatusText", 10*time.Second, func(v string) bool { return v == healthyText }); !ok {
		t.Fatal("api not healthy again 10 s after it was killed")
	}
}

var exposure = regexp.MustCompile(`Overall exposure level for vigil\.service: ([0-9.]+)`)

// checkExposure: systemd-analyze security on the running unit is at most 2.0.
func checkExposure(t *testing.T, box *systemdBox) {
	out := box.must(t, "systemd-analyze", "security", "--no-pager", "vigil.service")
	m := exposure.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no overall exposure in systemd-analyze security output:\n%s", out)
	}
	level, err := strconv.ParseFloat(m[1], 64)
	if err != nil || level > 2.0 {
		t.Fatalf("systemd-analyze security vigil.service: exposure %s, want at most 2.0\n%s", m[1], out)
	}
	t.Logf("systemd-analyze security vigil.service: %s", m[1])
}
