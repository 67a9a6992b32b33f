package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/vigilhq/vigil/scenarios/chaos"
	"github.com/vigilhq/vigil/slo/report"
)

func gamedayCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs, tf := newTargetFlags("gameday", "reports/gameday-<time>", stderr)
	yes := fs.Bool("yes", false, "inject every fault without asking (automation)")
	file, rest := splitFile(args)
	if err := fs.Parse(rest); err != nil {
		return exitUsage
	}
	if file == "" && fs.NArg() == 1 {
		file = fs.Arg(0)
	}
	if file == "" {
		fmt.Fprintf(stderr, "chaos gameday: want one scenario FILE\n\n%s", usage)
		return exitUsage
	}
	s, err := chaos.LoadFile(file)
	if err != nil {
		fmt.Fprintf(stderr, "chaos gameday: %v\n", err)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	runner, closeTarget, err := tf.runner(ctx, stderr, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "chaos gameday: %v\n", err)
		return exitFailed
	}
	defer closeTarget()
	runner.Live = func(l chaos.LiveStatus) { fmt.Fprintf(stderr, "\r\033[K%s", l) }
	var wg sync.WaitGroup
	if !*yes {
		p := chaos.NewPrompter(stdin, stdout)
		pctx, cancel := context.WithCancel(ctx)
		defer cancel()
		wg.Add(1)
		go func() { defer wg.Done(); _ = p.Run(pctx) }()
		runner.Confirm = p.Confirm
		if c, ok := stdin.(io.Closer); ok && stdin != os.Stdin {
			defer c.Close()
		}
	}
	fmt.Fprintf(stdout, "game day: %s on %s (seed %d)\n%s\n", s.Name, runner.Target.Name, s.Seed, s.Description)
	res := chaos.RunSuite(ctx, runner, []*chaos.Scenario{s}, report.Meta{Release: "gameday", GitDescribe: "gameday"})
	dir := tf.reports
	if dir == "" {
		dir = filepath.Join(reportsRoot, "gameday-"+time.Now().UTC().Format("20060102t150405"))
	}
	fmt.Fprintln(stderr)
	code := finish(res, runner.Journal, dir, stdout, stderr)
	if stdin == os.Stdin {
		// The prompter blocks in a read of the terminal; the process exit ends it.
		return code
	}
	wg.Wait()
	return code
}

// splitFile takes the first argument that is not a flag as the FILE, so
// `chaos gameday FILE --yes` works as well as `chaos gameday --yes FILE`.
func splitFile(args []string) (string, []string) {
	for i, a := range args {
		if len(a) > 0 && a[0] != '-' && (i == 0 || !needsValue(args[i-1])) {
			return a, append(append([]string{}, args[:i]...), args[i+1:]...)
		}
	}
	return "", args
}

func needsValue(flag string) bool {
	switch flag {
	case "--target", "-target", "--socket", "-socket", "--dsn", "-dsn", "--reports", "-reports":
		return true
	}
	return false
}
