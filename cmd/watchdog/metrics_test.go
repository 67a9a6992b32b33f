package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vigilhq/vigil/faults/porttest"
)

// TestMetricsForAlerting scrapes a running watchdog after a service was
// killed by SIGKILL: `promtool check metrics` (the real one, from Debian)
// finds nothing to lint; the kill shows as signal 9, not exit code -1; check
// runs are counted by result; vigil_watchdog_info names the host and the
// instance; every metric the shipped rules read is exported.
func TestMetricsForAlerting(t *testing.T) {
	promtool := needPromtool(t)
	port, apiPort := porttest.Free(t), porttest.Free(t)
	_, cfgPath, client := writeConfig(t, fmt.Sprintf("127.0.0.1:%d", apiPort), "services:\n"+httpService("web", port, fmt.Sprintf(`    health:
      liveness:
        - http: {url: "http://127.0.0.1:%d/"}
          interval: 200ms
          timeout: 150ms
          start_period: 10s
`, port)))
	startWatchdog(t, cfgPath)
	before := waitHealthy(t, client, 15*time.Second).Services[0]
	if err := syscall.Kill(before.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitRestarted(t, client, before.PID, 10*time.Second)
	time.Sleep(300 * time.Millisecond) // a few check runs of the new process

	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", apiPort))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	text := string(body)

	lint := exec.Command(promtool, "check", "metrics")
	lint.Stdin = bytes.NewReader(body)
	if out, err := lint.CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
	for _, want := range []string{
		`vigil_service_last_exit_signal{service="web"} 9`,
		`vigil_check_runs_total{check="http",kind="http",result="pass",service="web"}`,
		`vigil_watchdog_info{host="`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics has no %s", want)
		}
	}
	for _, name := range ruleMetrics(t) { // the shipped rules read only what is exported
		if !strings.Contains(text, "\n"+name+"{") && !strings.Contains(text, "\n"+name+" ") {
			t.Errorf("docs/monitoring/vigil-rules.yml reads %s, which the watchdog does not export", name)
		}
	}
	if regexp.MustCompile(`vigil_service_last_exit_code\{[^}]*\} -1`).MatchString(text) {
		t.Error("a signal death is still exported as last_exit_code -1")
	}
	if !regexp.MustCompile(`vigil_watchdog_info\{host="[^"]+",instance_id="[0-9a-f]{12}",version="[^"]+"\} 1`).MatchString(text) {
		t.Errorf("vigil_watchdog_info without host, instance_id and version:\n%s", grepLines(text, "vigil_watchdog_info"))
	}
}

func grepLines(text, substr string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestDaemonRuntimeDefaults: `watchdog run` runs on one P with GOGC 50
// unless GOMAXPROCS or GOGC in its environment say otherwise; /metrics shows
// what the runtime uses.
func TestDaemonRuntimeDefaults(t *testing.T) {
	for _, tc := range []struct {
		env            []string
		procs, percent string
	}{
		{nil, "1", "50"},
		{[]string{"GOMAXPROCS=2", "GOGC=100"}, "2", "100"},
	} {
		apiPort := porttest.Free(t)
		_, cfgPath, client := writeConfig(t, fmt.Sprintf("127.0.0.1:%d", apiPort), "services:\n  idle:\n    command: [sleep, \"60\"]\n")
		env := append([]string{"GOMAXPROCS=", "GOGC="}, tc.env...) // the test's own environment says nothing
		wd := startWatchdog(t, cfgPath, env...)
		waitHealthy(t, client, 15*time.Second)
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", apiPort))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for name, want := range map[string]string{"go_sched_gomaxprocs_threads": tc.procs, "go_gc_gogc_percent": tc.percent} {
			if m := regexp.MustCompile(`(?m)^` + name + ` (\S+)$`).FindSubmatch(body); m == nil || string(m[1]) != want {
				t.Errorf("env %q: %s = %q, want %s", tc.env, name, m, want)
			}
		}
		waitStopped(t, wd)
	}
}
