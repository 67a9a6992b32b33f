package watchdog_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vigilhq/vigil/faults/porttest"
	"github.com/vigilhq/vigil/watchdog"
)

// userHZ is the unit of utime/stime in /proc/<pid>/stat: fixed at 100 by
// the Linux ABI whatever the kernel's HZ.
const userHZ = 100

// BenchmarkOverhead measures the watchdog daemon's own RSS and CPU while it
// supervises VIGIL_BENCH_SERVICES (20) small HTTP services, each with a 1s
// HTTP liveness check. It builds cmd/watchdog, runs `watchdog run -c`, waits
// for /health to say healthy, lets it settle for VIGIL_BENCH_SETTLE (5s),
// then samples /proc/<pid> over VIGIL_BENCH_WINDOW (30s). The services are
// separate processes: their memory is not the watchdog's.
func BenchmarkOverhead(b *testing.B) {
	n := benchEnvInt(b, "VIGIL_BENCH_SERVICES", 20)
	settle := benchEnvDuration(b, "VIGIL_BENCH_SETTLE", 5*time.Second)
	window := benchEnvDuration(b, "VIGIL_BENCH_WINDOW", 30*time.Second)
	dir := b.TempDir()
	bin := filepath.Join(dir, "watchdog")
	goBuild(b, ".", bin, "github.com/vigilhq/vigil/cmd/watchdog")
	svc := buildSmallService(b, dir)
	if st, err := os.Stat(bin); err == nil {
		b.Logf("watchdog binary: %.1f MB", float64(st.Size())/(1<<20))
	}

	prober := filepath.Join(dir, "probefloor")
	goBuild(b, dir, prober, writeSource(b, dir, "probefloor.go", probeFloorSource))
	floor := startFloor(b, svc, dir)
	for range b.N {
		apiPort := porttest.Free(b)
		cfgPath, ports := writeOverheadConfig(b, dir, svc, apiPort, n)
		pid := startWatchdog(b, bin, cfgPath, dir)
		base := fmt.Sprintf("http://127.0.0.1:%d", apiPort)
		waitHealthy(b, base, n, 60*time.Second)
		probe := startProbeFloor(b, prober, ports)
		dwell(settle)
		stopLoad := floor.load(n)
		us := sampleUsage(b, window, pid, floor.pid, probe)
		stopLoad()
		u, f, p := us[0], us[1], us[2]
		b.ReportMetric(0, "ns/op")
		b.ReportMetric(u.maxRSS/(1<<20), "rss-MB")
		b.ReportMetric(u.maxPSS/(1<<20), "pss-MB")
		b.ReportMetric(f.maxPSS/(1<<20), "floor-pss-MB")
		b.ReportMetric(u.maxPSS/f.maxPSS, "pss-x-floor")
		b.ReportMetric(u.cpuPercent, "cpu-%")
		b.ReportMetric(f.cpuPercent, "floor-cpu-%")
		b.ReportMetric(p.cpuPercent, "probe-floor-cpu-%")
		b.Logf("%d services, 1s liveness checks, %s window: RSS max %.1f MB (mean %.1f MB, peak since start %.1f MB), PSS max %.1f MB, CPU %.2f %% of one core (%d ticks)",
			n, window, u.maxRSS/(1<<20), u.meanRSS/(1<<20), u.hwm/(1<<20), u.maxPSS/(1<<20), u.cpuPercent, u.ticks)
		b.Logf("floor, a bare Go net/http program answering %d requests/s in the same window: PSS max %.1f MB, CPU %.2f %%; the watchdog is %.2fx its PSS",
			n, f.maxPSS/(1<<20), f.cpuPercent, u.maxPSS/f.maxPSS)
		b.Logf("probe floor, a bare Go program making the same %d HTTP checks a second (fresh connection each, one P) in the same window: CPU %.2f %%; the watchdog is %.2fx its CPU",
			n, p.cpuPercent, u.cpuPercent/p.cpuPercent)
		b.Logf("at the end: RssAnon %.1f MB, RssFile %.1f MB (binary and libraries paged in), threads %.0f",
			statusValue(b, pid, "RssAnon")/1024, statusValue(b, pid, "RssFile")/1024, statusValue(b, pid, "Threads"))
		logRuntimeMetrics(b, base)
		if r := restartsDuring(b, base); r > 0 {
			b.Errorf("%d restarts during the window: the services were not steady, the figures include restarts", r)
		}
	}
}

// floorProc is the reference the daemon's footprint is compared with: the
// small service (a bare Go net/http program), from its own copy of the
// binary so that no page of it is shared with the supervised services (PSS
// would otherwise divide them).
type floorProc struct {
	pid int
	url string
}

func startFloor(b *testing.B, svc, dir string) *floorProc {
	b.Helper()
	bin := filepath.Join(dir, "floor")
	raw, err := os.ReadFile(svc)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(bin, raw, 0o755); err != nil {
		b.Fatal(err)
	}
	port := porttest.Free(b)
	cmd := exec.Command(bin, strconv.Itoa(port))
	if err := cmd.Start(); err != nil {
		b.Fatalf("start floor: %v", err)
	}
	b.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	f := &floorProc{pid: cmd.Process.Pid, url: fmt.Sprintf("http://127.0.0.1:%d/health", port)}
	client := &http.Client{Timeout: time.Second}
	defer client.CloseIdleConnections()
	for deadline := time.Now().Add(10 * time.Second); ; dwell(20 * time.Millisecond) {
		if resp, err := client.Get(f.url); err == nil {
			resp.Body.Close()
			return f
		}
		if time.Now().After(deadline) {
			b.Fatalf("floor not answering at %s", f.url)
		}
	}
}

// load sends the floor perSec requests a second, each on a new connection
// as the watchdog's checks are, until the returned stop is called.
func (f *floorProc) load(perSec int) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
		tick := time.NewTicker(time.Second / time.Duration(perSec))
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				if resp, err := client.Get(f.url); err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}

// probeFloorSource is the CPU reference for the watchdog's checks: the
// least a Go program does for the same HTTP liveness checks. Every second,
// on the wall clock's second like the watchdog's aligned ticks, one
// goroutine per port dials a fresh connection, writes a fixed GET, reads to
// EOF and closes; one P, like the daemon.
const probeFloorSource = `package main

import (
	"io"
	"net"
	"os"
	"runtime"
	"sync"
	"time"
)

func main() {
	runtime.GOMAXPROCS(1)
	req := []byte("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
	for {
		time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))
		var wg sync.WaitGroup
		for _, port := range os.Args[1:] {
			wg.Go(func() {
				c, err := net.DialTimeout("tcp", "127.0.0.1:"+port, 500*time.Millisecond)
				if err != nil {
					return
				}
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(500 * time.Millisecond))
				if _, err := c.Write(req); err == nil {
					_, _ = io.Copy(io.Discard, c)
				}
			})
		}
		wg.Wait()
	}
}
`

// writeSource writes a Go source file into dir and returns its path.
func writeSource(b testing.TB, dir, name, src string) string {
	b.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		b.Fatal(err)
	}
	return path
}

// startProbeFloor runs the probe floor against ports until the benchmark
// ends and returns its pid.
func startProbeFloor(b *testing.B, bin string, ports []int) int {
	b.Helper()
	args := make([]string, len(ports))
	for i, p := range ports {
		args[i] = strconv.Itoa(p)
	}
	cmd := exec.Command(bin, args...)
	if err := cmd.Start(); err != nil {
		b.Fatalf("start probe floor: %v", err)
	}
	b.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return cmd.Process.Pid
}

// writeOverheadConfig writes a vigil.yaml with n copies of the small service
// and returns its path and the services' ports.
func writeOverheadConfig(b *testing.B, dir, svc string, apiPort, n int) (string, []int) {
	b.Helper()
	var ports []int
	var y strings.Builder
	fmt.Fprintf(&y, "version: 1\napi:\n  listen: 127.0.0.1:%d\n  socket: %s/vigil.sock\nlogs:\n  dir: %s/logs\nservices:\n", apiPort, dir, dir)
	for i := 0; i < n; i++ {
		port := porttest.Free(b)
		ports = append(ports, port)
		fmt.Fprintf(&y, `  svc%02d:
    command: [%q, "%d"]
    ports: [%d]
    health:
      liveness:
        - http: {url: "http://127.0.0.1:%d/health"}
          interval: 1s
          timeout: 500ms
`, i, svc, port, port, port)
	}
	return writeSource(b, dir, "vigil.yaml", y.String()), ports
}

// startWatchdog runs `watchdog run -c cfg` until the benchmark ends: then
// SIGTERM, 30s for it to stop its services, SIGKILL to whatever is left.
func startWatchdog(b *testing.B, bin, cfg, dir string) int {
	b.Helper()
	logf, err := os.Create(filepath.Join(dir, "watchdog.log"))
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(bin, "run", "-c", cfg)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logf.Close()
		b.Fatalf("start %s: %v", bin, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	b.Cleanup(func() {
		defer logf.Close()
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-done:
			if err != nil {
				b.Errorf("watchdog exited with %v after SIGTERM; log %s", err, logf.Name())
			}
		case <-time.After(30 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
			b.Errorf("watchdog did not stop within 30s of SIGTERM")
		}
	})
	return cmd.Process.Pid
}

// waitHealthy polls GET /health until the host is healthy with n services.
func waitHealthy(b *testing.B, base string, n int, timeout time.Duration) {
	b.Helper()
	client := &http.Client{Timeout: time.Second}
	defer client.CloseIdleConnections()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	last := "no answer"
	for {
		var st watchdog.Status
		if err := getJSON(client, base+"/health", &st); err != nil {
			last = err.Error()
		} else if st.Status == watchdog.HealthHealthy && len(st.Services) == n {
			return
		} else {
			last = fmt.Sprintf("status %s with %d services", st.Status, len(st.Services))
		}
		select {
		case <-tick.C:
		case <-deadline.C:
			b.Fatalf("watchdog not healthy within %s: %s", timeout, last)
		}
	}
}

func getJSON(client *http.Client, url string, v any) error {
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(v)
}

// usage is what sampleUsage saw of one process.
type usage struct {
	maxRSS, meanRSS, hwm float64 // bytes
	maxPSS               float64 // bytes, Pss of /proc/<pid>/smaps_rollup
	ticks                uint64  // utime+stime over the window
	cpuPercent           float64 // of one core
}

// sampleUsage reads VmRSS and Pss of each pid every second and utime+stime
// at both ends of window: the processes are measured side by side.
func sampleUsage(b *testing.B, window time.Duration, pids ...int) []usage {
	b.Helper()
	t0 := time.Now()
	c0 := make([]uint64, len(pids))
	for i, pid := range pids {
		c0[i] = cpuTicks(b, pid)
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	end := time.NewTimer(window)
	defer end.Stop()
	us := make([]usage, len(pids))
	sums := make([]float64, len(pids))
	samples := 0
	for running := true; running; {
		select {
		case <-tick.C:
		case <-end.C:
			running = false
		}
		for i, pid := range pids {
			rss := statusValue(b, pid, "VmRSS") * 1024
			us[i].maxRSS = max(us[i].maxRSS, rss)
			us[i].maxPSS = max(us[i].maxPSS, smapsValue(b, pid, "Pss")*1024)
			sums[i] += rss
		}
		samples++
	}
	elapsed := time.Since(t0)
	for i, pid := range pids {
		us[i].ticks = cpuTicks(b, pid) - c0[i]
		us[i].meanRSS = sums[i] / float64(samples)
		us[i].hwm = statusValue(b, pid, "VmHWM") * 1024
		us[i].cpuPercent = float64(us[i].ticks) / userHZ / elapsed.Seconds() * 100
	}
	return us
}

// smapsValue returns a field (kB) of /proc/<pid>/smaps_rollup: Pss counts
// each shared page divided by the processes sharing it.
func smapsValue(b *testing.B, pid int, field string) float64 {
	b.Helper()
	return procValue(b, fmt.Sprintf("/proc/%d/smaps_rollup", pid), field)
}

// cpuTicks returns utime+stime (fields 14 and 15) of /proc/<pid>/stat.
func cpuTicks(b *testing.B, pid int) uint64 {
	b.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatalf("watchdog pid %d gone: %v", pid, err)
	}
	f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+1:]))
	utime, _ := strconv.ParseUint(f[11], 10, 64)
	stime, _ := strconv.ParseUint(f[12], 10, 64)
	return utime + stime
}

// statusValue returns the number in a field of /proc/<pid>/status (kB for sizes).
func statusValue(b *testing.B, pid int, field string) float64 {
	b.Helper()
	return procValue(b, fmt.Sprintf("/proc/%d/status", pid), field)
}

// procValue returns the number after "field:" in a /proc file of
// "Name: value [kB]" lines.
func procValue(b *testing.B, path, field string) float64 {
	b.Helper()
	f, err := os.Open(path)
	if err != nil {
		b.Fatalf("%s: process gone: %v", path, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb
		}
	}
	b.Fatalf("%s has no %s", path, field)
	return 0
}

// logRuntimeMetrics logs the Go runtime's view from /metrics, to tell heap
// from binary text and runtime overhead when RSS is high.
func logRuntimeMetrics(b *testing.B, base string) {
	b.Helper()
	client := &http.Client{Timeout: 2 * time.Second}
	defer client.CloseIdleConnections()
	resp, err := client.Get(base + "/metrics")
	if err != nil {
		b.Logf("metrics: %v", err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	var out []string
	for _, line := range strings.Split(string(body), "\n") {
		for _, name := range []string{"go_goroutines ", "go_memstats_heap_inuse_bytes ", "go_memstats_heap_alloc_bytes ",
			"go_memstats_stack_inuse_bytes ", "go_memstats_sys_bytes ", "go_gc_gogc_percent ", "go_gc_gomemlimit_bytes ", "go_memstats_mallocs_total "} {
			if strings.HasPrefix(line, name) {
				out = append(out, line)
			}
		}
	}
	b.Logf("runtime: %s", strings.Join(out, "; "))
}

// restartsDuring sums the services' restart counters.
func restartsDuring(b *testing.B, base string) int {
	b.Helper()
	client := &http.Client{Timeout: 2 * time.Second}
	defer client.CloseIdleConnections()
	var st watchdog.Status
	if err := getJSON(client, base+"/health", &st); err != nil {
		b.Fatalf("GET /health: %v", err)
	}
	n := 0
	for _, s := range st.Services {
		n += s.Restarts
	}
	return n
}
