package watchdog_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
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
	"github.com/vigilhq/vigil/faults/runtest"
	"github.com/vigilhq/vigil/watchdog"
	"github.com/vigilhq/vigil/watchdog/config"
)

// Restart benchmarks: kill -9 → first healthy answer from the new pid.
// Knobs: VIGIL_BENCH_TRIALS (default 30). See docs/benchmarks.md.
const (
	pollEvery  = 5 * time.Millisecond   // how often the client asks GET /health
	resetAfter = 100 * time.Millisecond // restart.reset_after of the benchmarked service
	stableRun  = 250 * time.Millisecond // uptime before each kill (> resetAfter)
)

// BenchmarkRestartLatency measures how long after kill -9 a supervised small
// Go HTTP service answers GET /health again from its new pid. Every kill
// follows a stable run longer than reset_after, so the spec wants the
// restart immediate. Besides the total it reports where the time went:
// kill → exited event (exit noticed), exited → started event (the
// supervisor's own work) and started → first answer (the child's start-up
// plus up to one poll interval).
func BenchmarkRestartLatency(b *testing.B) {
	for _, svc := range restartServices(b) {
		b.Run(svc.name, func(b *testing.B) { benchSupervisedRestart(b, svc.cmd) })
	}
}

// BenchmarkRestartFloor is the floor for BenchmarkRestartLatency: the same
// service and measurement under a bare exec-wait-exec loop, the least any
// supervisor can do.
func BenchmarkRestartFloor(b *testing.B) {
	for _, svc := range restartServices(b) {
		b.Run(svc.name, func(b *testing.B) { benchBareRestart(b, svc.cmd) })
	}
}

type restartService struct {
	name string
	cmd  func(port int) (argv, env []string)
}

// restartServices lists the supervised programs: the small stdlib service
// (the benchmark of record) and this test binary's http helper, whose large
// binary shows what a heavier service's start-up adds.
func restartServices(b *testing.B) []restartService {
	small := buildSmallService(b, b.TempDir())
	return []restartService{
		{"small-service", func(port int) ([]string, []string) { return []string{small, strconv.Itoa(port)}, nil }},
		{"test-binary", func(port int) ([]string, []string) {
			return []string{os.Args[0], strconv.Itoa(port)}, []string{"VIGIL_HELPER=http"}
		}},
	}
}

func benchSupervisedRestart(b *testing.B, command func(int) ([]string, []string)) {
	trials := benchEnvInt(b, "VIGIL_BENCH_TRIALS", 30)
	port := porttest.Free(b)
	argv, env := command(port)
	sup, events := startBenchSupervisor(b, serviceYAML(argv, env, port))
	probe := newPIDProbe(port)
	defer probe.close()

	var total, exitSeen, respawn, childReady latencies
	b.ResetTimer()
	for range b.N {
		pid, _ := probe.awaitPID(b, 0, pollEvery, 10*time.Second)
		for i := 0; i < trials; i++ {
			dwell(stableRun)
			drain(events)
			t0 := time.Now()
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
				b.Fatalf("trial %d: kill %d: %v", i, pid, err)
			}
			next, ready := probe.awaitPID(b, pid, pollEvery, 5*time.Second)
			exited, restart, started := restartEvents(b, events, pid, next)
			if !strings.HasSuffix(restart.Reason, "restarting now") {
				b.Fatalf("trial %d: restart %q was not immediate: the kill must follow a stable run (stableRun %s > reset_after %s); status %+v",
					i, restart.Reason, stableRun, resetAfter, sup.Status().Services)
			}
			total = append(total, ready.Sub(t0))
			exitSeen = append(exitSeen, exited.Time.Sub(t0))
			respawn = append(respawn, started.Time.Sub(exited.Time))
			childReady = append(childReady, ready.Sub(started.Time))
			pid = next
		}
	}
	b.StopTimer()
	b.ReportMetric(0, "ns/op")
	total.report(b, "")
	exitSeen.report(b, "exit-seen-")
	respawn.report(b, "respawn-")
	childReady.report(b, "child-ready-")
}

// serviceYAML configures one service for the restart benchmark: a declared
// port (so the restart path includes the port check), reset_after 100ms,
// and a start limit that 30 trials cannot reach.
func serviceYAML(argv, env []string, port int) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = strconv.Quote(a)
	}
	envs := make([]string, len(env))
	for i, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		envs[i] = k + ": " + strconv.Quote(v)
	}
	return fmt.Sprintf(`  web:
    command: [%s]
    env: {%s}
    ports: [%d]
    restart:
      reset_after: %s
      limit: {burst: 100000, interval: 1s, cooldown: 1s}
`, strings.Join(q, ", "), strings.Join(envs, ", "), port, resetAfter)
}

// startBenchSupervisor runs a Supervisor over services (YAML under
// "services:") until the benchmark ends; its events arrive on the channel.
func startBenchSupervisor(b *testing.B, services string) (*watchdog.Supervisor, chan watchdog.Event) {
	b.Helper()
	dir := b.TempDir()
	y := fmt.Sprintf("version: 1\napi:\n  socket: %s/vigil.sock\nlogs:\n  dir: %s/logs\nservices:\n%s", dir, dir, services)
	cfg, err := config.Parse([]byte(y), filepath.Join(dir, "vigil.yaml"))
	if err != nil {
		b.Fatalf("config:\n%s\n%v", y, err)
	}
	sup, err := watchdog.New(cfg, watchdog.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	events := make(chan watchdog.Event, 10000)
	sup.Events().Subscribe(func(ev watchdog.Event) {
		select {
		case events <- ev:
		default:
			b.Error("benchmark event buffer full")
		}
	})
	runtest.Start(b, sup.Run, 30*time.Second)
	return sup, events
}

func drain(events chan watchdog.Event) {
	for {
		select {
		case <-events:
		default:
			return
		}
	}
}

// restartEvents waits for the exited event of old, the restart decision and
// the started event of next.
func restartEvents(b *testing.B, events chan watchdog.Event, old, next int) (exited, restart, started watchdog.Event) {
	b.Helper()
	deadline := time.NewTimer(5 * time.Second)
	defer deadline.Stop()
	trace := os.Getenv("VIGIL_BENCH_TRACE") != ""
	for started.PID != next {
		select {
		case ev := <-events:
			if trace {
				b.Logf("%s %-12s pid=%d %s→%s %s", ev.Time.Format("15:04:05.000000"), ev.Kind, ev.PID, ev.From, ev.To, ev.Reason)
			}
			switch {
			case ev.Kind == watchdog.EventExited && ev.PID == old:
				exited = ev
			case ev.Kind == watchdog.EventRestart && restart.Kind == "":
				restart = ev
			case ev.Kind == watchdog.EventStarted && ev.PID == next:
				started = ev
			}
		case <-deadline.C:
			b.Fatalf("events for the restart %d → %d missing after 5s: exited %+v restart %+v", old, next, exited, restart)
		}
	}
	if exited.Kind == "" || restart.Kind == "" {
		b.Fatalf("restart %d → %d: started without exited/restart events (%+v, %+v)", old, next, exited, restart)
	}
	return exited, restart, started
}

func benchBareRestart(b *testing.B, command func(int) ([]string, []string)) {
	trials := benchEnvInt(b, "VIGIL_BENCH_TRIALS", 30)
	port := porttest.Free(b)
	argv, env := command(port)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		bareLoop(ctx, argv, env)
	}()
	defer wg.Wait()
	defer cancel()
	probe := newPIDProbe(port)
	defer probe.close()

	var total latencies
	b.ResetTimer()
	for range b.N {
		pid, _ := probe.awaitPID(b, 0, pollEvery, 10*time.Second)
		for i := 0; i < trials; i++ {
			dwell(stableRun)
			t0 := time.Now()
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
				b.Fatalf("trial %d: kill %d: %v", i, pid, err)
			}
			next, ready := probe.awaitPID(b, pid, pollEvery, 5*time.Second)
			total = append(total, ready.Sub(t0))
			pid = next
		}
	}
	b.StopTimer()
	b.ReportMetric(0, "ns/op")
	total.report(b, "")
}

// bareLoop starts argv, waits for it and starts it again until ctx ends.
func bareLoop(ctx context.Context, argv, env []string) {
	for ctx.Err() == nil {
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Env = append(os.Environ(), env...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			return
		}
		_ = cmd.Wait()
	}
}
