package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vigilhq/vigil/faults/porttest"
	"github.com/vigilhq/vigil/watchdog/api"
	"github.com/vigilhq/vigil/watchdog/proc/proctest"
)

// TestFleetAlertNamesTheHost: three watchdogs as three hosts (VIGIL_HOST
// h1..h3, their own ports), one real Prometheus scraping them with the
// shipped rules. Killing a service on h2 fires exactly one alert, and it
// names h2. (The shipped VigilServiceDown waits `for: 1m`: the test takes
// about 70 s.)
func TestFleetAlertNamesTheHost(t *testing.T) {
	needPromtool(t) // the same Debian package brings prometheus
	prom, err := exec.LookPath("prometheus")
	if err != nil {
		t.Fatalf("promtool without prometheus: reinstall the prometheus package (ci/monitoring.sh): %v", err)
	}
	var targets []string
	clients := map[string]*api.Client{}
	for _, host := range []string{"h1", "h2", "h3"} {
		port, apiPort := porttest.Free(t), porttest.Free(t)
		_, cfg, client := writeConfig(t, fmt.Sprintf("127.0.0.1:%d", apiPort), "services:\n"+httpService("api", port, "    restart: {policy: never}\n"))
		startWatchdog(t, cfg, "VIGIL_HOST="+host)
		clients[host] = client
		targets = append(targets, fmt.Sprintf("%q", fmt.Sprintf("127.0.0.1:%d", apiPort)))
	}
	for _, c := range clients {
		svc := waitHealthy(t, c, 15*time.Second).Services[0]
		t.Cleanup(func() { _ = syscall.Kill(-svc.PGID, syscall.SIGKILL) })
	}

	rules, err := filepath.Abs(filepath.Join(rulesDir, "vigil-rules.yml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	promCfg := fmt.Sprintf(`global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: [%q]
scrape_configs:
  - job_name: vigil
    static_configs: [{targets: [%s]}]
`, rules, strings.Join(targets, ", "))
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(promCfg), 0o644); err != nil {
		t.Fatal(err)
	}
	promPort := porttest.Free(t)
	cmd := exec.Command(prom, "--config.file="+filepath.Join(dir, "prometheus.yml"), "--storage.tsdb.path="+filepath.Join(dir, "data"),
		fmt.Sprintf("--web.listen-address=127.0.0.1:%d", promPort), "--log.level=warn")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	proctest.Start(t, cmd)
	base := fmt.Sprintf("http://127.0.0.1:%d", promPort)

	// Every host scraped and its service seen up before the kill.
	waitProm(t, base, 30*time.Second, "three watchdogs scraped", func() bool {
		n, _ := queryCount(base, `count(vigil_service_up == 1) == 3`)
		return n == 1
	})
	st, err := clients["h2"].Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(st.Services[0].PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	var firing []promAlert
	waitProm(t, base, 100*time.Second, "an alert firing", func() bool {
		firing = alerts(t, base, "firing")
		return len(firing) > 0
	})
	time.Sleep(3 * time.Second) // any other alert would fire on the same evaluations
	firing = alerts(t, base, "firing")
	if len(firing) != 1 {
		t.Fatalf("firing alerts %+v, want exactly one", firing)
	}
	a := firing[0]
	if a.Labels["alertname"] != "VigilServiceDown" || a.Labels["host"] != "h2" || a.Labels["service"] != "api" || !strings.Contains(a.Annotations["summary"], "on h2") {
		t.Fatalf("firing alert %+v, want VigilServiceDown for api naming h2", a)
	}
	t.Logf("one alert: %s %v — %s", a.Labels["alertname"], a.Labels, a.Annotations["summary"])
}

type promAlert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	State       string            `json:"state"`
}

// alerts lists Prometheus' alerts in state (firing or pending).
func alerts(t *testing.T, base, state string) []promAlert {
	t.Helper()
	var r struct {
		Data struct {
			Alerts []promAlert `json:"alerts"`
		} `json:"data"`
	}
	resp, err := http.Get(base + "/api/v1/alerts")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	var out []promAlert
	for _, a := range r.Data.Alerts {
		if a.State == state {
			out = append(out, a)
		}
	}
	return out
}

// queryCount runs an instant query and returns how many series it gave.
func queryCount(base, q string) (int, error) {
	resp, err := http.Get(base + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var r struct {
		Data struct {
			Result []json.RawMessage `json:"result"`
		} `json:"data"`
	}
	err = json.NewDecoder(resp.Body).Decode(&r)
	return len(r.Data.Result), err
}

func waitProm(t *testing.T, base string, within time.Duration, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(within); !ok(); time.Sleep(250 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("Prometheus at %s: %s: not within %s", base, what, within)
		}
	}
}
