package watchdog_test

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// smallServiceSource is the "small Go HTTP service" the benchmarks supervise:
// standard library only, so its own start-up (a few ms) does not hide the
// supervisor's share. GET /health answers "ok <pid>" like the http helper.
const smallServiceSource = `package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
)

func main() {
	l, err := net.Listen("tcp", "127.0.0.1:"+os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(3)
	}
	pid := os.Getpid()
	http.HandleFunc("/health", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintf(w, "ok %d", pid) })
	_ = http.Serve(l, nil)
}
`

// goBuild runs `go build -o out args...` in dir like `make build` does
// (static, trimmed, stripped), bounded by five minutes.
func goBuild(b testing.TB, dir, out string, args ...string) {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", append([]string{"build", "-trimpath", "-ldflags=-s -w", "-o", out}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build -o %s %v: %v\n%s", out, args, err, msg)
	}
}

// buildSmallService compiles smallServiceSource into dir and returns its path.
func buildSmallService(b testing.TB, dir string) string {
	b.Helper()
	src := filepath.Join(dir, "smallsvc.go")
	if err := os.WriteFile(src, []byte(smallServiceSource), 0o644); err != nil {
		b.Fatal(err)
	}
	bin := filepath.Join(dir, "smallsvc")
	goBuild(b, dir, bin, src)
	return bin
}

// benchEnvInt reads a positive integer knob from the environment.
func benchEnvInt(b *testing.B, name string, def int) int {
	b.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}

// benchEnvDuration reads a positive duration knob ("30s") from the environment.
func benchEnvDuration(b *testing.B, name string, def time.Duration) time.Duration {
	b.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		b.Fatalf("%s=%q: want a positive duration such as 30s", name, v)
	}
	return d
}

// pidProbe asks a service on a loopback port which pid answers GET /health.
// It never reuses a connection: every probe is a fresh connect, as a client
// arriving after the crash would make.
type pidProbe struct {
	url    string
	client *http.Client
}

func newPIDProbe(port int) *pidProbe {
	return &pidProbe{
		url:    fmt.Sprintf("http://127.0.0.1:%d/health", port),
		client: &http.Client{Timeout: 250 * time.Millisecond, Transport: &http.Transport{DisableKeepAlives: true}},
	}
}

// pid returns the pid in the answer, or 0 when nobody answered "ok <pid>".
func (p *pidProbe) pid() int {
	resp, err := p.client.Get(p.url)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64))
	if err != nil || resp.StatusCode != http.StatusOK {
		return 0
	}
	rest, ok := strings.CutPrefix(string(body), "ok ")
	if !ok {
		return 0
	}
	n, _ := strconv.Atoi(rest)
	return n
}

// awaitPID polls every interval (the first probe at once) until a pid other
// than old answers, and returns it with the time of that answer.
func (p *pidProbe) awaitPID(b *testing.B, old int, interval, timeout time.Duration) (int, time.Time) {
	b.Helper()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		if pid := p.pid(); pid != 0 && pid != old {
			return pid, time.Now()
		}
		select {
		case <-tick.C:
		case <-deadline.C:
			b.Fatalf("no answer from a pid other than %d on %s within %s", old, p.url, timeout)
		}
	}
}

func (p *pidProbe) close() { p.client.CloseIdleConnections() }

// dwell blocks for d: the stable run a service needs before a kill counts as
// a first restart. It is a deliberate uptime, not a synchronisation.
func dwell(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	<-t.C
}

// latencies summarises restart latencies with nearest-rank percentiles.
type latencies []time.Duration

func (l latencies) quantile(q float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := slices.Clone(l)
	slices.Sort(s)
	i := int(math.Ceil(q*float64(len(s)))) - 1
	return s[max(i, 0)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// report publishes median, p90 and max (ms) of l under prefix and logs them.
func (l latencies) report(b *testing.B, prefix string) {
	b.Helper()
	med, p90, mx := l.quantile(0.5), l.quantile(0.9), l.quantile(1)
	b.ReportMetric(ms(med), prefix+"median-ms")
	b.ReportMetric(ms(p90), prefix+"p90-ms")
	b.ReportMetric(ms(mx), prefix+"max-ms")
	b.Logf("%-14s n=%d median %.2f ms, p90 %.2f ms, max %.2f ms", strings.TrimSuffix(prefix, "-")+":", len(l), ms(med), ms(p90), ms(mx))
}

// TestSmallServiceBuilds: the benchmarks' programs compile. `make test`
// runs no benchmark, so without this an edit to its source (an import
// dropped by a clean-up that took it for this file's own) breaks only
// `make bench`.
func TestSmallServiceBuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs; skipped with -short")
	}
	dir := t.TempDir()
	buildSmallService(t, dir)
	goBuild(t, dir, filepath.Join(dir, "probefloor"), writeSource(t, dir, "probefloor.go", probeFloorSource))
}
