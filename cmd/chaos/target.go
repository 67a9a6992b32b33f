package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/vigilhq/vigil/scenarios/chaos"
	"github.com/vigilhq/vigil/scenarios/stack"
)

// targetFlags choose where scenarios run and where their reports go.
type targetFlags struct {
	target  string
	socket  string
	dsn     string
	reports string
}

// newTargetFlags returns the flag set of the subcommand name, which runs
// scenarios on a target: the target flags and --reports, whose default
// (said in the help as reportsDefault) the subcommand picks when it is "".
func newTargetFlags(name, reportsDefault string, stderr io.Writer) (*flag.FlagSet, *targetFlags) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var t targetFlags
	t.register(fs)
	fs.StringVar(&t.reports, "reports", "", "report directory (default "+reportsDefault+")")
	return fs, &t
}

func (t *targetFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&t.target, "target", chaos.TargetStack, "stack (containers, built by `make images`) or local (a live watchdog on this host)")
	fs.StringVar(&t.socket, "socket", chaos.DefaultLocalSocket, "local: the watchdog's control socket")
	fs.StringVar(&t.dsn, "dsn", chaos.DefaultLocalDSN, "local: Postgres DSN to read payments back from (\"\" disables the write load)")
}

// open brings the target up; close tears down what open started.
func (t *targetFlags) open(ctx context.Context, log *slog.Logger) (*chaos.Target, func(), error) {
	switch t.target {
	case chaos.TargetLocal:
		tg, err := chaos.LocalTarget(t.socket, chaos.DefaultLocalURLs(), t.dsn)
		if err != nil {
			return nil, nil, err
		}
		return tg, func() { tg.Watchdog.Close(); tg.Close() }, nil
	case chaos.TargetStack:
	default:
		return nil, nil, fmt.Errorf("--target %q: use stack or local", t.target)
	}
	began := time.Now()
	s, err := stack.Up(ctx, stack.Options{
		StackImage: cmp.Or(os.Getenv(stack.EnvStackImage), "vigil/stack:latest"),
		Solana:     stack.SolanaRequired,
		Logger:     log,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("start the container stack: %w", err)
	}
	down := func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
		defer cancel()
		if err := s.Down(dctx); err != nil {
			log.Error("stack down", "err", err)
		}
	}
	tg, err := chaos.StackTarget(ctx, s)
	if err != nil {
		down()
		return nil, nil, err
	}
	log.Info("stack up", "took", time.Since(began).Round(time.Millisecond))
	return tg, func() { tg.Watchdog.Close(); tg.Close(); down() }, nil
}

// runner opens the target and returns a Runner on it whose Journal prints
// to journal; warnings go to stderr, closeTarget tears the target down.
func (t *targetFlags) runner(ctx context.Context, stderr, journal io.Writer) (r *chaos.Runner, closeTarget func(), err error) {
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	target, closeTarget, err := t.open(ctx, log)
	if err != nil {
		return nil, nil, err
	}
	return &chaos.Runner{Target: target, Journal: chaos.NewJournal(nil, journal), RunID: time.Now().UTC().Format("20060102t150405")}, closeTarget, nil
}

// loadScenarios parses args into fs and loads the scenario files and
// directories it names (default the library). On a problem it says so on
// stderr and returns a non-zero exit code.
func loadScenarios(fs *flag.FlagSet, args []string, stderr io.Writer) ([]*chaos.Scenario, int) {
	if err := fs.Parse(args); err != nil {
		return nil, exitUsage
	}
	paths := fs.Args()
	if len(paths) == 0 {
		paths = []string{defaultLibrary}
	}
	scenarios, err := chaos.LoadAll(paths)
	if err != nil {
		fmt.Fprintf(stderr, "chaos %s: %v\n", fs.Name(), err)
		return nil, exitUsage
	}
	return scenarios, exitOK
}
