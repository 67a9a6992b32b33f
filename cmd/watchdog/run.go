package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"

	"github.com/coreos/go-systemd/v22/daemon"

	"github.com/vigilhq/vigil/watchdog"
	"github.com/vigilhq/vigil/watchdog/alert"
	"github.com/vigilhq/vigil/watchdog/api"
	"github.com/vigilhq/vigil/watchdog/config"
	"github.com/vigilhq/vigil/watchdog/health"
	"github.com/vigilhq/vigil/watchdog/metrics"
	"github.com/vigilhq/vigil/watchdog/serve"
)

func validateCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("c", defaultConfig(), "config file")
	if fs.Parse(args) != nil {
		return exitUsage
	}
	cfg, err := config.Load(*path)
	if err == nil {
		err = cfg.CheckHost() // validate runs on the target host: check it too
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "%s: ok (%d services, start order %v)\n", *path, len(cfg.Services), cfg.StartOrder())
	return exitOK
}

// runFlags are the flags of run, which init passes on to the run it starts.
type runFlags struct {
	path, format string
}

// parseRunFlags parses args as the flags of run, for the subcommand name.
func parseRunFlags(name string, args []string, stderr io.Writer) (runFlags, bool) {
	var f runFlags
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.path, "c", defaultConfig(), "config file")
	fs.StringVar(&f.format, "log-format", "text", "watchdog log format: text or json")
	return f, fs.Parse(args) == nil
}

// args are the flags that give run f.
func (f runFlags) args() []string {
	return []string{"-c", f.path, "--log-format", f.format}
}

// tuneRuntime sizes the Go runtime for the daemon, where the environment
// (GOGC, GOMAXPROCS) does not say otherwise. Its live heap is under 2 MB, so
// a tighter GC target keeps its memory small at no measurable CPU cost; its
// work is waiting on processes, sockets and timers, so one P does it as
// fast (restart latency unchanged) with fewer threads woken per check burst
// and one P's caches less (docs/benchmarks.md: −16 % CPU, −0.4 MB PSS).
func tuneRuntime() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
}

func runCmd(args []string, _, stderr io.Writer) int {
	f, ok := parseRunFlags("run", args, stderr)
	if !ok {
		return exitUsage
	}
	defer survivePipes()()
	tuneRuntime()
	cfg, err := config.Load(f.path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	// Before anything is adopted, started or bound: a second watchdog on
	// the same config would adopt the first one's services, fail on the API
	// and stop them.
	lock, err := watchdog.LockInstance(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "watchdog:", err)
		if errors.Is(err, watchdog.ErrAlreadyRunning) {
			return exitUsage
		}
		return exitError
	}
	defer lock.Close()
	logger := newLogger(stderr, f.format, os.Getenv("JOURNAL_STREAM"))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := run(ctx, f.path, cfg, logger); err != nil {
		logger.Error("watchdog failed", "err", err)
		return exitError
	}
	return exitOK
}

// run wires the supervisor, alerts and API and runs them until ctx ends.
func run(ctx context.Context, path string, cfg *config.Config, logger *slog.Logger) error {
	reg := metrics.NewRegistry()
	reg.MustRegister(metrics.GoCollector{}, metrics.ProcessCollector{})
	checkMetrics, err := health.NewMetrics(reg)
	if err != nil {
		return err
	}
	// Under systemd (Type=notify): READY/STATUS/STOPPING, and WATCHDOG=1 at
	// half of WatchdogSec, sent only when every supervision loop answers.
	beat, _ := daemon.SdWatchdogEnabled(false)
	sup, err := watchdog.New(cfg, watchdog.Options{Logger: logger, Version: version, CheckMetrics: checkMetrics,
		Notify: os.Getenv("NOTIFY_SOCKET") != "", WatchdogInterval: beat / 2})
	if err != nil {
		return err
	}
	reg.MustRegister(api.NewCollector(sup.Status))
	host := hostName()
	reg.MustRegister(metrics.NewGaugeFunc("vigil_watchdog_info",
		"Always 1; its labels say which watchdog this is: host, instance_id (stable across restarts: a digest of api.state_file, as VIGIL_INSTANCE) and version. Join on it to name the host in fleet alerts.",
		func() float64 { return 1 }, "host", host, "instance_id", watchdog.InstanceID(cfg), "version", version))
	alerts, err := alert.New(cfg.Alerts, alert.Options{Logger: logger, Registerer: reg, Host: host})
	if err != nil {
		return err
	}
	sup.Events().Subscribe(alerts.Notify)

	reload := func(context.Context) error {
		next, err := config.Load(path)
		if err != nil {
			sup.Events().Publish(watchdog.Event{Kind: watchdog.EventReload, Severity: watchdog.SeverityWarning, Reason: "reload refused: " + err.Error()})
			logger.Error("reload refused; the old configuration keeps running", "err", err)
			return err
		}
		return sup.Reload(next)
	}
	var token string
	if cfg.API.TokenEnv != "" {
		token = os.Getenv(cfg.API.TokenEnv)
	}
	srv := api.New(sup, api.Options{Listen: cfg.API.Listen, Socket: cfg.API.Socket, Token: token, Reload: reload, Gatherer: reg, Logger: logger})

	hup := make(chan os.Signal, 1) // before anything runs: SIGHUP must never end the watchdog
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	var g serve.Group
	g.Context(ctx, sup.Run)
	g.Context(ctx, srv.Run)
	g.Context(ctx, alerts.Run)
	g.Context(ctx, func(ctx context.Context) error { return reloadOn(ctx, hup, path, logger, reload) })
	g.Until(ctx)
	return g.Run()
}

// reloadOn reloads the configuration on every SIGHUP until ctx ends.
func reloadOn(ctx context.Context, hup <-chan os.Signal, path string, logger *slog.Logger, reload func(context.Context) error) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-hup:
			logger.Info("SIGHUP: reloading", "config", path)
			_ = reload(ctx) // a refused reload is logged and published by reload
		}
	}
}

// hostName names this watchdog's host in metrics (vigil_watchdog_info) and
// alerts: $VIGIL_HOST when set (a fleet's own name for the machine, stable
// when hostnames are not), else the kernel's hostname.
func hostName() string {
	if h := os.Getenv("VIGIL_HOST"); h != "" {
		return h
	}
	h, _ := os.Hostname()
	return h
}
