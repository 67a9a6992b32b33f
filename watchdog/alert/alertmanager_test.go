package alert

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/vigilhq/vigil/watchdog"
	"github.com/vigilhq/vigil/watchdog/config"
	"github.com/vigilhq/vigil/watchdog/proc/proctest"
)

// realAlertmanager starts Debian's prometheus-alertmanager on a free
// loopback port, routing every alert grouped by alertname and service to
// the returned receiver. It fails under CI=true when the binary is missing
// (ci/monitoring.sh installs it) and skips loudly elsewhere.
func realAlertmanager(t *testing.T) (url string, rec *amReceiver) {
	t.Helper()
	bin, err := exec.LookPath("prometheus-alertmanager")
	if err != nil {
		if bin, err = exec.LookPath("alertmanager"); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("CI=true and no Alertmanager binary: run ci/monitoring.sh (apt prometheus-alertmanager)")
			}
			t.Skip("SKIPPING: no prometheus-alertmanager binary (run ci/monitoring.sh; with CI=true this fails)")
		}
	}
	rec = &amReceiver{}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	cfg := fmt.Sprintf(`route:
  receiver: test
  group_by: [alertname, service]
  group_wait: 300ms
  group_interval: 500ms
  repeat_interval: 1h
receivers:
  - name: test
    webhook_configs:
      - url: %s
        send_resolved: true
`, srv.URL)
	if err := os.WriteFile(filepath.Join(dir, "am.yml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin, "--config.file="+filepath.Join(dir, "am.yml"), "--storage.path="+dir,
		"--web.listen-address="+addr, "--cluster.listen-address=", "--log.level=warn")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	proctest.Start(t, cmd)
	url = "http://" + addr
	waitFor(t, 20*time.Second, "Alertmanager ready", func() bool {
		resp, err := http.Get(url + "/-/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return url, rec
}

// amReceiver records Alertmanager's webhook notifications.
type amReceiver struct {
	mu    sync.Mutex
	notes []amNote
}

type amNote struct {
	Status string `json:"status"`
	Alerts []struct {
		Status string            `json:"status"`
		Labels map[string]string `json:"labels"`
	} `json:"alerts"`
}

func (r *amReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	var n amNote
	if err := json.NewDecoder(req.Body).Decode(&n); err == nil {
		r.mu.Lock()
		r.notes = append(r.notes, n)
		r.mu.Unlock()
	}
}

func (r *amReceiver) got() []amNote {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.notes)
}

// TestAlertmanagerGroupsAndResolves against a real Alertmanager: the same
// service's problem reported by two watchdogs (hosts) is one notification
// naming both; re-sends while firing add nothing; recovery from both
// resolves it.
func TestAlertmanagerGroupsAndResolves(t *testing.T) {
	url, rec := realAlertmanager(t)
	ctx := context.Background()
	now := time.Now()
	sinks := map[string]*Alertmanager{}
	for _, host := range []string{"host-1", "host-2"} {
		s := NewAlertmanager(config.AlertmanagerSink{URL: url, Timeout: 2 * time.Second, Resend: time.Second, Labels: map[string]string{"team": "payments"}})
		t.Cleanup(s.CloseIdleConnections)
		sinks[host] = s
		a := Alert{Key: "api/health", Kind: watchdog.EventHealth, Severity: watchdog.SeverityCritical, Service: "api",
			Text: "api is unhealthy on " + host, Since: now, Time: now, Host: host}
		if err := s.Send(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 10*time.Second, "a firing notification", func() bool { return len(rec.got()) > 0 })
	for _, s := range sinks { // re-sends while firing: the same alerts, no new notification
		if err := s.Refresh(ctx, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(1500 * time.Millisecond) // three group intervals
	notes := rec.got()
	if len(notes) != 1 || notes[0].Status != "firing" || len(notes[0].Alerts) != 2 {
		t.Fatalf("notifications %+v, want one firing notification with both hosts' alerts", notes)
	}
	var hosts []string
	for _, a := range notes[0].Alerts {
		if a.Labels["alertname"] != "VigilHealth" || a.Labels["service"] != "api" || a.Labels["severity"] != "critical" || a.Labels["team"] != "payments" {
			t.Errorf("alert labels %v", a.Labels)
		}
		hosts = append(hosts, a.Labels["host"])
	}
	if slices.Sort(hosts); !slices.Equal(hosts, []string{"host-1", "host-2"}) {
		t.Errorf("hosts %v", hosts)
	}
	var active []json.RawMessage
	if err := getJSON(url+"/api/v2/alerts?active=true", &active); err != nil || len(active) != 2 {
		t.Fatalf("active alerts in Alertmanager: %d (%v), want 2: a re-send must not add one", len(active), err)
	}

	for host, s := range sinks {
		a := Alert{Key: "api/health", Kind: watchdog.EventHealth, Severity: watchdog.SeverityInfo, Service: "api",
			Text: "api recovered on " + host, Time: time.Now(), Host: host, Recovered: true}
		if err := s.Send(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 10*time.Second, "a resolved notification", func() bool {
		notes := rec.got()
		return len(notes) > 1 && notes[len(notes)-1].Status == "resolved"
	})
	if err := getJSON(url+"/api/v2/alerts?active=true", &active); err != nil || len(active) != 0 {
		t.Fatalf("active alerts after recovery: %d (%v), want 0", len(active), err)
	}
}

func getJSON(url string, v any) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(v)
}

// TestAlertmanagerResendsAfterOutage: alerts that could not be delivered
// while Alertmanager was down go out with the next re-send, and re-sends
// come at most once per Resend.
func TestAlertmanagerResendsAfterOutage(t *testing.T) {
	var mu sync.Mutex
	down, posted := true, 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if down {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		var batch []amAlert
		_ = json.NewDecoder(r.Body).Decode(&batch)
		posted += len(batch)
	}))
	t.Cleanup(srv.Close)
	s := NewAlertmanager(config.AlertmanagerSink{URL: srv.URL, Timeout: time.Second, Resend: time.Minute})
	s.post.Attempts, s.post.Backoff = 2, time.Millisecond
	t.Cleanup(s.CloseIdleConnections)
	now := time.Now()
	a := Alert{Key: "db/start_limit", Kind: watchdog.EventStartLimit, Severity: watchdog.SeverityCritical, Service: "db", Since: now, Time: now}
	if err := s.Send(context.Background(), a); err == nil {
		t.Fatal("Send succeeded while Alertmanager answered 503")
	}
	mu.Lock()
	down = false
	mu.Unlock()
	if err := s.Refresh(context.Background(), now.Add(10*time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := s.Refresh(context.Background(), now.Add(20*time.Second)); err != nil { // within Resend: nothing
		t.Fatal(err)
	}
	if posted != 1 {
		t.Fatalf("%d alerts posted after the outage, want the firing one, once", posted)
	}
}
