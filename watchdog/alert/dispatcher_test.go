package alert

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/vigilhq/vigil/faults/runtest"
	"github.com/vigilhq/vigil/watchdog"
	"github.com/vigilhq/vigil/watchdog/config"
	"github.com/vigilhq/vigil/watchdog/metrics"
)

const waitLimit = 5 * time.Second

// receiver is a real webhook endpoint that hands each alert to the test.
type receiver struct {
	*httptest.Server
	got chan Alert
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	r := &receiver{got: make(chan Alert, 100)}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var raw map[string]any
		var a Alert
		body := json.NewDecoder(req.Body)
		if err := body.Decode(&raw); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if _, ok := raw["text"].(string); !ok {
			http.Error(w, `no "text": not a Slack message`, http.StatusBadRequest)
			return
		}
		b, _ := json.Marshal(raw)
		if err := json.Unmarshal(b, &a); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.got <- a
	}))
	t.Cleanup(r.Close)
	return r
}

// next returns the next alert the receiver got, failing after waitLimit.
func (r *receiver) next(t *testing.T) Alert {
	t.Helper()
	select {
	case a := <-r.got:
		return a
	case <-time.After(waitLimit):
		t.Fatalf("no alert within %s", waitLimit)
		return Alert{}
	}
}

// run starts d.Run and returns a stop func that cancels it and fails the
// test unless Run returns nil within waitLimit.
func run(t *testing.T, d *Dispatcher) (stop func()) {
	t.Helper()
	return runtest.Start(t, d.Run, waitLimit)
}

func webhookCfg(name, url string) config.Alert {
	return config.Alert{Name: name, Webhook: &config.WebhookSink{URL: url, Timeout: 2 * time.Second}}
}

func TestDispatcherStateChangeAndRecovery(t *testing.T) {
	rcv := newReceiver(t)
	reg := metrics.NewRegistry()
	d, err := New([]config.Alert{webhookCfg("ops", rcv.URL)}, Options{Registerer: reg, Host: "h1"})
	if err != nil {
		t.Fatal(err)
	}
	run(t, d)
	d.Notify(healthEv("api", watchdog.HealthUnhealthy))
	d.Notify(healthEv("api", watchdog.HealthUnhealthy)) // same state: no second alert
	d.Notify(stateEv("api", watchdog.StateRunning))     // not a problem change
	d.Notify(healthEv("api", watchdog.HealthHealthy))

	first := rcv.next(t)
	if first.Key != "api/health" || first.Recovered || !strings.HasPrefix(first.Text, "[CRITICAL] h1: api is unhealthy") {
		t.Fatalf("first alert = %+v, want the unhealthy alert for api", first)
	}
	second := rcv.next(t)
	if second.Key != "api/health" || !second.Recovered || second.Severity != watchdog.SeverityInfo ||
		!strings.HasPrefix(second.Text, "[RESOLVED] h1: api is healthy again") {
		t.Fatalf("second alert = %+v, want the recovery of api", second)
	}
	waitFor(t, waitLimit, "sent counter to reach 2", func() bool {
		return counter(t, reg, "vigil_alerts_sent_total", "ops") == 2
	})
	if n := counter(t, reg, "vigil_alert_delivery_seconds", "ops"); n != 2 {
		t.Errorf("delivery histogram count = %v, want 2", n)
	}
}

func TestDispatcherRemindsWithFakeClock(t *testing.T) {
	rcv := newReceiver(t)
	clock := newFakeClock()
	cfg := webhookCfg("ops", rcv.URL)
	cfg.Repeat = 15 * time.Minute
	d, err := New([]config.Alert{cfg}, Options{Now: clock.Now, Tick: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	run(t, d)
	d.Notify(kindEv(watchdog.EventStartLimit, "db"))
	if a := rcv.next(t); a.Key != "db/start_limit" || a.Reminder {
		t.Fatalf("first alert = %+v, want the start limit alert", a)
	}
	clock.Advance(16 * time.Minute)
	a := rcv.next(t)
	if !a.Reminder || a.Key != "db/start_limit" || !strings.Contains(a.Text, "still failed") || !strings.Contains(a.Text, "for 16m0s") {
		t.Fatalf("after 16m alert = %+v, want a reminder that db is still failed for 16m0s", a)
	}
	d.Notify(stateEv("db", watchdog.StateRunning))
	if a := rcv.next(t); !a.Recovered {
		t.Fatalf("after running alert = %+v, want the recovery", a)
	}
}

func TestDispatcherFlappingSuppressed(t *testing.T) {
	rcv := newReceiver(t)
	clock := newFakeClock()
	d, err := New([]config.Alert{webhookCfg("ops", rcv.URL)},
		Options{Now: clock.Now, Tick: time.Millisecond, FlapBurst: 2, FlapWindow: 5 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	run(t, d)
	for range 5 { // 10 changes: 2 sent, 8 held back
		d.Notify(healthEv("api", watchdog.HealthUnhealthy))
		d.Notify(healthEv("api", watchdog.HealthHealthy))
	}
	// The marker on another key proves, without sleeping, that nothing else
	// for api was sent before it: the queue is FIFO.
	d.Notify(kindEv(watchdog.EventError, "marker"))
	var got []string
	for range 3 {
		got = append(got, summary(rcv.next(t)))
	}
	want := "api/health alert,api/health resolved,marker/error alert"
	if strings.Join(got, ",") != want {
		t.Fatalf("alerts = %v, want %s", got, want)
	}
	clock.Advance(6 * time.Minute)
	a := rcv.next(t)
	if !a.Recovered || a.Suppressed != 8 || !strings.Contains(a.Text, "(8 alerts suppressed: flapping)") {
		t.Fatalf("catch-up alert = %+v, want resolved with 8 suppressed in its text", a)
	}
}

func TestDispatcherEventsFilter(t *testing.T) {
	all, onlyPorts := newReceiver(t), newReceiver(t)
	ports := webhookCfg("ports", onlyPorts.URL)
	ports.Events = []string{"port_conflict"}
	d, err := New([]config.Alert{webhookCfg("all", all.URL), ports}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	run(t, d)
	d.Notify(healthEv("api", watchdog.HealthUnhealthy))
	d.Notify(kindEv(watchdog.EventPortConflict, "web"))
	if a := onlyPorts.next(t); a.Kind != watchdog.EventPortConflict {
		t.Fatalf("filtered sink got %s first, want only port_conflict", a.Kind)
	}
	for _, want := range []watchdog.EventKind{watchdog.EventHealth, watchdog.EventPortConflict} {
		if a := all.next(t); a.Kind != want {
			t.Fatalf("unfiltered sink got %s, want %s", a.Kind, want)
		}
	}
}

// TestNotifyNeverBlocksOnHangingWebhook is the supervisor's guarantee: a dead
// receiver costs dropped alerts, never a stalled caller.
func TestNotifyNeverBlocksOnHangingWebhook(t *testing.T) {
	entered := make(chan struct{}, 1)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case entered <- struct{}{}:
		default:
		}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)

	reg := metrics.NewRegistry()
	cfg := config.Alert{Name: "hang", Webhook: &config.WebhookSink{URL: srv.URL, Timeout: time.Minute, Queue: 100}}
	d, err := New([]config.Alert{cfg}, Options{Registerer: reg, DrainTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	stop := run(t, d)
	d.Notify(kindEv(watchdog.EventError, "first"))
	select {
	case <-entered: // the worker is now stuck inside Send
	case <-time.After(waitLimit):
		t.Fatal("webhook never received the first alert")
	}

	const n = 1000
	evs := make([]watchdog.Event, n)
	for i := range evs {
		evs[i] = kindEv(watchdog.EventError, fmt.Sprintf("svc-%d", i)) // distinct keys: no dedup, no flap limit
	}
	start := time.Now()
	for _, ev := range evs {
		d.Notify(ev)
	}
	took := time.Since(start)
	t.Logf("%d Notify calls while the webhook hangs took %s (%s each)", n, took, took/n)
	// One blocked send would cost the 1-minute webhook timeout; the bound is
	// generous for a loaded 2-core CI box under -race.
	if took > 500*time.Millisecond {
		t.Fatalf("%d Notify calls took %s, want well under 500ms: Notify must not block", n, took)
	}
	if got := counter(t, reg, "vigil_alerts_dropped_total", "hang"); got != n-100 {
		t.Fatalf("dropped = %v, want %d (queue of 100 full, worker stuck)", got, n-100)
	}

	start = time.Now()
	stop()
	t.Logf("Run returned %s after cancel with a hanging webhook and a full queue", time.Since(start))
	// In flight: 1 failure (cancelled). Drain: 1 more tried until the 50ms
	// bound, the other 99 dropped.
	if got := counter(t, reg, "vigil_alerts_dropped_total", "hang"); got != n-100+99 {
		t.Errorf("dropped after shutdown = %v, want %d", got, n-100+99)
	}
	if got := counter(t, reg, "vigil_alert_failures_total", "hang"); got != 2 {
		t.Errorf("failures = %v, want 2 (in flight at cancel, first drained)", got)
	}
}

func TestRunLeavesNoGoroutines(t *testing.T) {
	rcv := newReceiver(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "alerts.jsonl")
	d, err := New([]config.Alert{
		webhookCfg("hook", rcv.URL),
		{File: &config.FileSink{Path: file}},
		{Exec: &config.ExecSink{Command: []string{"sh", "-c", `echo "$VIGIL_ALERT_KEY" >> "$0"`, filepath.Join(dir, "exec")}}},
	}, Options{Tick: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(d.Sinks(), ","); got != "hook,file-1,exec-2" {
		t.Fatalf("Sinks() = %s, want hook,file-1,exec-2", got)
	}
	stop := run(t, d)
	d.Notify(healthEv("api", watchdog.HealthBlocked))
	rcv.next(t)
	waitFor(t, waitLimit, "the file sink line", func() bool { return fileHasLine(file) })
	waitFor(t, waitLimit, "the exec sink line", func() bool { return fileHasLine(filepath.Join(dir, "exec")) })
	stop()
	rcv.Close()
	goleak.VerifyNone(t)
}

func TestRunWithoutSinksBlocksUntilCancel(t *testing.T) {
	d, err := New(nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	d.Notify(healthEv("api", watchdog.HealthUnhealthy))
	select {
	case <-done:
		t.Fatal("Run with no sinks returned before cancel; it would stop a run group")
	default:
	}
	cancel()
	select {
	case <-done:
	case <-time.After(waitLimit):
		t.Fatal("Run did not return after cancel")
	}
}

func TestNewReportsEveryBadSink(t *testing.T) {
	tests := []struct {
		name string
		cfg  config.Alert
		want string
	}{
		{"no kind", config.Alert{Name: "x"}, "set exactly one of file, webhook, alertmanager, exec"},
		{"two kinds", config.Alert{File: &config.FileSink{Path: "a"}, Exec: &config.ExecSink{Command: []string{"true"}}}, "2 sink kinds set"},
		{"bad url", config.Alert{Webhook: &config.WebhookSink{URL: "hooks.slack.com/x"}}, "http:// or https://"},
		{"empty command", config.Alert{Exec: &config.ExecSink{}}, "exec.command is empty"},
		{"empty path", config.Alert{File: &config.FileSink{}}, "file.path is empty"},
		{"non-alerting kind", config.Alert{File: &config.FileSink{Path: "a"}, Events: []string{"state_change"}}, `"state_change" does not alert`},
		{"negative repeat", config.Alert{File: &config.FileSink{Path: "a"}, Repeat: -time.Minute}, "repeat -1m0s is negative"},
	}
	var all []config.Alert
	for i, tc := range tests {
		tc.cfg.Line = 10 + i
		all = append(all, tc.cfg)
		t.Run(tc.name, func(t *testing.T) {
			_, err := New([]config.Alert{tc.cfg}, Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), fmt.Sprintf("line %d", tc.cfg.Line)) {
				t.Fatalf("New(%s) = %v, want an error with %q and its line", tc.name, err, tc.want)
			}
		})
	}
	_, err := New(all, Options{})
	for _, tc := range tests {
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(all bad sinks) = %v, want it to also report %q", err, tc.want)
		}
	}
	dup := []config.Alert{{Name: "a", File: &config.FileSink{Path: "x"}}, {Name: "a", File: &config.FileSink{Path: "y"}}}
	if _, err := New(dup, Options{}); err == nil || !strings.Contains(err.Error(), "used twice") {
		t.Errorf("New(duplicate names) = %v, want a used-twice error", err)
	}
}

func TestNewTwiceOnOneRegistry(t *testing.T) {
	reg := metrics.NewRegistry()
	cfgs := []config.Alert{{Name: "f", File: &config.FileSink{Path: filepath.Join(t.TempDir(), "a")}}}
	for i := range 2 { // a config reload builds a second Dispatcher
		if _, err := New(cfgs, Options{Registerer: reg}); err != nil {
			t.Fatalf("New #%d on one registry = %v, want nil", i+1, err)
		}
	}
}

func fileHasLine(path string) bool {
	b, err := os.ReadFile(path)
	return err == nil && strings.Contains(string(b), "\n")
}

// counter reads a counter's value (or a histogram's sample count) for one
// sink from reg, summed over other labels.
func counter(t *testing.T, reg *metrics.Registry, name, sink string) float64 {
	t.Helper()
	var sum float64
	for series, v := range reg.Samples() {
		fam, labels, _ := strings.Cut(series, "{")
		if strings.HasSuffix(name, "_seconds") {
			if fam != name+"_count" {
				continue
			}
		} else if fam != name {
			continue
		}
		if strings.Contains(","+labels, `,sink="`+sink+`"`) {
			sum += v
		}
	}
	return sum
}

// BenchmarkNotifyFullQueue is the cost the supervisor pays per event when a
// sink is stuck: classify, decide, render, and drop.
func BenchmarkNotifyFullQueue(b *testing.B) {
	clock := newFakeClock()
	cfg := config.Alert{Webhook: &config.WebhookSink{URL: "http://127.0.0.1:1", Queue: 1}}
	d, err := New([]config.Alert{cfg}, Options{Now: clock.Now, FlapWindow: time.Nanosecond})
	if err != nil {
		b.Fatal(err)
	}
	evs := make([]watchdog.Event, 1000)
	for i := range evs {
		evs[i] = kindEv(watchdog.EventError, fmt.Sprintf("svc-%d", i))
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		clock.Advance(time.Millisecond)
		d.Notify(evs[i%len(evs)])
	}
}

// TestAlertingKindsMatchConfig pins that vigil.yaml validation (which cannot
// import this package) accepts in alerts[].events exactly the kinds
// parseKinds accepts: issue 10 item 13 was validate passing "events: [x]"
// that run then refused.
func TestAlertingKindsMatchConfig(t *testing.T) {
	var got []string
	for _, k := range AlertingKinds() {
		got = append(got, string(k))
	}
	if want := config.AlertEventKinds(); !slices.Equal(got, want) {
		t.Errorf("AlertingKinds() = %v, config.AlertEventKinds() = %v: keep them equal", got, want)
	}
}
