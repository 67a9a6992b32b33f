package metrics

import (
	"errors"
	"math"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestExposition pins the text format client_golang wrote for the same
// families: HELP and TYPE first, label names sorted, values escaped,
// cumulative le buckets with +Inf, _sum and _count, families by name.
func TestExposition(t *testing.T) {
	reg := NewRegistry()
	runs := NewCounterVec("x_runs_total", "Runs by result.", "service", "result")
	up := NewGaugeVec("x_up", "1 when up.\nSecond \\ line.", "service")
	dur := NewHistogramVec("x_duration_seconds", "Durations.", []float64{0.1, 1}, "service")
	info := NewGaugeFunc("x_info", "Always 1.", func() float64 { return 1 }, "version", "v1", "host", "h")
	empty := NewGaugeVec("x_empty", "No series: left out.", "service")
	reg.MustRegister(runs, up, dur, info, empty)
	runs.Inc("web", "pass")
	runs.Add(2, "web", "pass")
	runs.Inc(`a"b\c`, "fail")
	up.Set(1, "web")
	up.Set(0.5, "api")
	dur.Observe(0.05, "web")
	dur.Observe(0.1, "web") // le is inclusive
	dur.Observe(3, "web")
	want := `# HELP x_duration_seconds Durations.
# TYPE x_duration_seconds histogram
x_duration_seconds_bucket{service="web",le="0.1"} 2
x_duration_seconds_bucket{service="web",le="1"} 2
x_duration_seconds_bucket{service="web",le="+Inf"} 3
x_duration_seconds_sum{service="web"} 3.15
x_duration_seconds_count{service="web"} 3
# HELP x_info Always 1.
# TYPE x_info gauge
x_info{host="h",version="v1"} 1
# HELP x_runs_total Runs by result.
# TYPE x_runs_total counter
x_runs_total{result="fail",service="a\"b\\c"} 1
x_runs_total{result="pass",service="web"} 3
# HELP x_up 1 when up.\nSecond \\ line.
# TYPE x_up gauge
x_up{service="api"} 0.5
x_up{service="web"} 1
`
	if got := string(reg.Gather()); got != want {
		t.Errorf("Gather() =\n%s\nwant\n%s", got, want)
	}

	runs.DeleteMatch(map[string]string{"service": "web"})
	up.Delete("web")
	dur.Delete("web")
	got := reg.Samples()
	if len(got) != 3 || got[`x_runs_total{result="fail",service="a\"b\\c"}`] != 1 || got[`x_up{service="api"}`] != 0.5 {
		t.Errorf("after deletes Samples() = %v, want the fail run, api's gauge and x_info", got)
	}
}

func TestReuse(t *testing.T) {
	reg := NewRegistry()
	a, err := Reuse(reg, NewCounterVec("x_total", "X.", "sink"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Reuse(reg, NewCounterVec("x_total", "X.", "sink"))
	if err != nil || a != b {
		t.Errorf("Reuse twice = %p, %v; want the first family %p", b, err, a)
	}
	if _, err := Reuse(reg, NewGaugeVec("x_total", "X.", "sink")); !errors.Is(err, ErrAlreadyRegistered) {
		t.Errorf("Reuse with another type = %v, want ErrAlreadyRegistered", err)
	}
	if err := reg.Register(NewGaugeVec("x_total", "X.")); !errors.Is(err, ErrAlreadyRegistered) {
		t.Errorf("Register of a taken name = %v, want ErrAlreadyRegistered", err)
	}
	if c, err := Reuse(nil, a); err != nil || c != a {
		t.Errorf("Reuse(nil registry) = %p, %v; want the family itself", c, err)
	}
}

func TestInitExportsZero(t *testing.T) {
	reg := NewRegistry()
	c := NewCounterVec("x_failures_total", "Failures.", "sink")
	h := NewHistogramVec("x_seconds", "Seconds.", ExponentialBuckets(0.005, 3, 2), "sink")
	reg.MustRegister(c, h)
	c.Init("s")
	h.Init("s")
	got := reg.Samples()
	for _, k := range []string{`x_failures_total{sink="s"}`, `x_seconds_bucket{sink="s",le="0.005"}`, `x_seconds_bucket{sink="s",le="0.015"}`, `x_seconds_count{sink="s"}`} {
		if v, ok := got[k]; !ok || v != 0 {
			t.Errorf("%s = %v (present %v), want 0", k, v, ok)
		}
	}
}

// TestRuntimeFamilies: every go_* and process_* family client_golang's
// default collectors wrote is there, with a help text.
func TestRuntimeFamilies(t *testing.T) {
	reg := NewRegistry()
	reg.MustRegister(GoCollector{}, ProcessCollector{})
	rec := httptest.NewRecorder()
	reg.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if ct := rec.Header().Get("Content-Type"); ct != ContentType {
		t.Errorf("Content-Type = %q, want %q", ct, ContentType)
	}
	text := rec.Body.String()
	for _, name := range []string{
		"go_gc_duration_seconds", "go_gc_gogc_percent", "go_gc_gomemlimit_bytes", "go_goroutines", "go_info",
		"go_memstats_alloc_bytes", "go_memstats_alloc_bytes_total", "go_memstats_buck_hash_sys_bytes", "go_memstats_frees_total",
		"go_memstats_gc_sys_bytes", "go_memstats_heap_alloc_bytes", "go_memstats_heap_idle_bytes", "go_memstats_heap_inuse_bytes",
		"go_memstats_heap_objects", "go_memstats_heap_released_bytes", "go_memstats_heap_sys_bytes", "go_memstats_last_gc_time_seconds",
		"go_memstats_mallocs_total", "go_memstats_mcache_inuse_bytes", "go_memstats_mcache_sys_bytes", "go_memstats_mspan_inuse_bytes",
		"go_memstats_mspan_sys_bytes", "go_memstats_next_gc_bytes", "go_memstats_other_sys_bytes", "go_memstats_stack_inuse_bytes",
		"go_memstats_stack_sys_bytes", "go_memstats_sys_bytes", "go_sched_gomaxprocs_threads", "go_threads",
		"process_cpu_seconds_total", "process_max_fds", "process_network_receive_bytes_total", "process_network_transmit_bytes_total",
		"process_open_fds", "process_resident_memory_bytes", "process_start_time_seconds", "process_virtual_memory_bytes",
		"process_virtual_memory_max_bytes",
	} {
		if !strings.Contains(text, "\n# HELP "+name+" ") && !strings.HasPrefix(text, "# HELP "+name+" ") {
			t.Errorf("no family %s", name)
		}
	}
	s := reg.Samples()
	if v := s["process_resident_memory_bytes"]; v < 1<<20 {
		t.Errorf("process_resident_memory_bytes = %v, want this test's RSS", v)
	}
	if v := s["go_goroutines"]; v < 1 {
		t.Errorf("go_goroutines = %v", v)
	}
	if v := s["process_start_time_seconds"]; v < 1e9 || math.IsNaN(v) {
		t.Errorf("process_start_time_seconds = %v, want seconds since 1970", v)
	}
}
