package slo

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigilhq/vigil/faults/runtest"
)

// wait bounds every wait in these tests.
const wait = 10 * time.Second

// driven is a Prober under test, ticked by hand.
type driven struct {
	t      *testing.T
	p      *Prober
	ticks  chan time.Time
	probes chan Probe
	// stop cancels Run and waits (bounded) for it; the test's cleanup
	// calls it too.
	stop func()
}

func startDriven(t *testing.T, cfg ProberConfig) *driven {
	t.Helper()
	d := &driven{t: t, ticks: make(chan time.Time), probes: make(chan Probe, 64)}
	cfg.Ticks = d.ticks
	cfg.OnProbe = func(_ string, p Probe) { d.probes <- p }
	p, err := NewProber(cfg)
	if err != nil {
		t.Fatalf("NewProber: %v", err)
	}
	d.p = p
	d.stop = runtest.Start(t, p.Run, wait)
	return d
}

func (d *driven) tick() {
	d.t.Helper()
	select {
	case d.ticks <- time.Now():
	case <-time.After(wait):
		d.t.Fatal("prober did not take a tick")
	}
}

func (d *driven) next() Probe {
	d.t.Helper()
	select {
	case p := <-d.probes:
		return p
	case <-time.After(wait):
		d.t.Fatal("no probe recorded")
		return Probe{}
	}
}

func TestProberFlipsWithServer(t *testing.T) {
	var status atomic.Int32
	status.Store(200)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(int(status.Load()))
	}))
	defer srv.Close()
	d := startDriven(t, ProberConfig{Targets: []Target{{Name: "api", URL: srv.URL}}, Interval: time.Second, Timeout: 500 * time.Millisecond})
	steps := []struct {
		status int32
		ok     bool
	}{{200, true}, {503, false}, {503, false}, {200, true}, {204, true}}
	for _, s := range steps {
		status.Store(s.status)
		d.tick()
		p := d.next()
		if p.OK != s.ok || p.Status != int(s.status) {
			t.Errorf("probe with server at %d = ok %v status %d err %q, want ok %v", s.status, p.OK, p.Status, p.Err, s.ok)
		}
	}
	d.stop()
	tl := d.p.Timelines()
	if len(tl) != 1 || len(tl[0].Probes) != len(steps) || tl[0].Target != "api" {
		t.Fatalf("Timelines() = %+v, want one timeline of %d probes", tl, len(steps))
	}
}

func TestProberExpectSet(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodHead {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		w.WriteHeader(http.StatusTeapot)
	}))
	defer srv.Close()
	d := startDriven(t, ProberConfig{
		Targets:  []Target{{Name: "tea", URL: srv.URL, Method: http.MethodHead, Expect: []int{418}}, {Name: "plain", URL: srv.URL}},
		Interval: time.Second, Timeout: 500 * time.Millisecond,
	})
	d.tick()
	d.next()
	d.next()
	d.stop()
	for _, tl := range d.p.Timelines() {
		want := tl.Target == "tea"
		if len(tl.Probes) != 1 || tl.Probes[0].OK != want {
			t.Errorf("timeline %s = %+v, want one probe ok=%v", tl.Target, tl.Probes, want)
		}
	}
}

func TestProberHangingHandlerIsBoundedAndSkips(t *testing.T) {
	entered := make(chan struct{}, 8)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-r.Context().Done() // hang until the prober gives up
	}))
	defer srv.Close()
	// The timeout is long enough that the second tick surely lands while
	// the first probe hangs, even on a loaded machine.
	timeout := time.Second
	d := startDriven(t, ProberConfig{Targets: []Target{{Name: "api", URL: srv.URL}}, Interval: 2 * time.Second, Timeout: timeout})
	d.tick()
	select {
	case <-entered:
	case <-time.After(wait):
		t.Fatal("handler never entered")
	}
	d.tick() // previous probe still hanging: must be recorded as skipped, not queued
	skipped := d.next()
	if skipped.OK || skipped.Err != SkippedProbe {
		t.Errorf("probe during hang = %+v, want a failed %q probe", skipped, SkippedProbe)
	}
	hung := d.next()
	if hung.OK || !strings.Contains(hung.Err, "timeout after 1s") {
		t.Errorf("hanging probe = %+v, want a timeout failure", hung)
	}
	if hung.Latency < timeout || hung.Latency > wait {
		t.Errorf("hanging probe latency = %v, want bounded by the %v timeout", hung.Latency, timeout)
	}
	d.stop()
	if tl := d.p.Timelines()[0]; len(tl.Probes) != 2 || !tl.Probes[0].Time.Before(tl.Probes[1].Time) {
		t.Errorf("timeline = %+v, want 2 probes in time order", tl.Probes)
	}
}

func TestProberCancelDiscardsInFlightProbe(t *testing.T) {
	entered := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-r.Context().Done()
	}))
	defer srv.Close()
	d := startDriven(t, ProberConfig{Targets: []Target{{Name: "api", URL: srv.URL}}, Interval: time.Hour, Timeout: 30 * time.Minute})
	d.tick()
	select {
	case <-entered:
	case <-time.After(wait):
		t.Fatal("handler never entered")
	}
	d.stop()
	if n := len(d.p.Timelines()[0].Probes); n != 0 {
		t.Errorf("probes after cancel mid-probe = %d, want 0 (cancellation is not an outage)", n)
	}
}

func TestProberRealTicker(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	got := make(chan Probe, 1024)
	p, err := NewProber(ProberConfig{
		Targets: []Target{{Name: "a", URL: srv.URL}, {Name: "b", URL: srv.URL + "/b"}}, Interval: 10 * time.Millisecond,
		OnProbe: func(_ string, pr Probe) {
			select {
			case got <- pr:
			default:
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	stop := runtest.Start(t, p.Run, wait)
	for range 10 {
		select {
		case <-got:
		case <-time.After(wait):
			t.Fatal("fewer than 10 probes within 10s")
		}
	}
	stop()
	if err := p.Run(context.Background()); err == nil {
		t.Error("second Run = nil, want error")
	}
	total := 0
	for _, tl := range p.Timelines() {
		total += len(tl.Probes)
	}
	if total < 10 {
		t.Errorf("recorded %d probes, want >= 10", total)
	}
}

func TestNewProberRejects(t *testing.T) {
	tests := []struct {
		name string
		cfg  ProberConfig
		want string
	}{
		{name: "no targets", cfg: ProberConfig{}, want: "no targets"},
		{name: "timeout not below interval", cfg: ProberConfig{Targets: []Target{{Name: "a", URL: "http://127.0.0.1:1"}}, Interval: time.Second, Timeout: time.Second}, want: "shorter than interval"},
		{name: "bad url", cfg: ProberConfig{Targets: []Target{{Name: "a", URL: "ftp://x"}}}, want: "scheme"},
		{name: "duplicate name", cfg: ProberConfig{Targets: []Target{{Name: "a", URL: "http://x"}, {Name: "a", URL: "http://y"}}}, want: "twice"},
		{name: "bad expect", cfg: ProberConfig{Targets: []Target{{Name: "a", URL: "http://x", Expect: []int{42}}}}, want: "not an HTTP status"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewProber(tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("NewProber = %v, want error containing %q", err, tc.want)
			}
		})
	}
}

func TestDownsampleKeepsFailures(t *testing.T) {
	tl := timeline("api", t0, time.Millisecond, repeat("G", 500)+"B"+repeat("G", 499))
	ds := tl.Downsample(100)
	if len(ds.Probes) != 100 || ds.Merged != 10 {
		t.Fatalf("Downsample(100) = %d points merged %d, want 100 points of 10", len(ds.Probes), ds.Merged)
	}
	bad := 0
	for _, p := range ds.Probes {
		if !p.OK {
			bad++
			if !p.Time.Equal(t0.Add(500 * time.Millisecond)) {
				t.Errorf("bad point at %v, want the failed probe's own time", p.Time)
			}
		}
	}
	if bad != 1 {
		t.Errorf("bad points = %d, want 1", bad)
	}
	if small := tl.Downsample(5000); len(small.Probes) != 1000 {
		t.Errorf("Downsample above length = %d points, want all 1000", len(small.Probes))
	}
}

func TestDownsampleFailureOutranksVoid(t *testing.T) {
	tl := timeline("api", t0, time.Millisecond, "GGGG"+"GBGB"+"GGGG")
	tl.Probes[1].Void = VoidLate          // group 1: voided only
	tl.Probes[5].Void = VoidControlFailed // group 2: a voided failure, then a judged one
	ds := tl.Downsample(3)
	var got []string
	for _, p := range ds.Probes {
		got = append(got, fmt.Sprintf("%d:%v:%q", p.Time.Sub(t0)/time.Millisecond, p.OK, p.Void))
	}
	want := []string{`1:true:"harness stall: prober late"`, `7:false:""`, `8:true:""`}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("Downsample(3) = %v, want %v", got, want)
	}
}
