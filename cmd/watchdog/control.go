package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/vigilhq/vigil/watchdog"
	"github.com/vigilhq/vigil/watchdog/api"
	"github.com/vigilhq/vigil/watchdog/config"
)

// clientFlags are the flags every control command shares, and the
// positional arguments connect found among them.
type clientFlags struct {
	fs     *flag.FlagSet
	path   *string
	socket *string
	args   []string
}

func newClientFlags(name string, stderr io.Writer) *clientFlags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return &clientFlags{fs: fs, path: fs.String("c", defaultConfig(), "config file (for api.socket)"), socket: fs.String("socket", "", "control socket (default: the config's api.socket)")}
}

// client connects to the socket named by --socket or the config.
func (f *clientFlags) client() (*api.Client, error) {
	if *f.socket != "" {
		return api.NewSocketClient(*f.socket), nil
	}
	cfg, err := config.Load(*f.path)
	if err != nil {
		return nil, fmt.Errorf("%w\n(use --socket PATH to reach a watchdog without its config)", err)
	}
	return api.NewSocketClient(cfg.API.Socket), nil
}

// connect parses args (flags may come before or after the positional
// arguments) and connects to the watchdog. On failure it has reported the
// problem and returns the exit code to use.
func (f *clientFlags) connect(args []string, stderr io.Writer, nargs int, usage string) (*api.Client, int) {
	var err error
	if f.args, err = parseAnywhere(f.fs, args); err != nil {
		return nil, exitUsage
	}
	if nargs >= 0 && len(f.args) != nargs {
		fmt.Fprintln(stderr, usage)
		return nil, exitUsage
	}
	c, err := f.client()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return nil, exitError
	}
	return c, exitOK
}

func statusCmd(args []string, stdout, stderr io.Writer) int {
	f := newClientFlags("status", stderr)
	asJSON := f.fs.Bool("json", false, "print JSON")
	c, code := f.connect(args, stderr, -1, "")
	if c == nil {
		return code
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := c.Status(ctx)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitError
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(st)
	} else {
		printStatus(stdout, st)
	}
	if st.Status == watchdog.HealthUnhealthy {
		return exitUnhealthy
	}
	return exitOK
}

func printStatus(w io.Writer, st watchdog.Status) {
	fmt.Fprintf(w, "overall: %s   watchdog %s up %s\n", st.Status, st.Version, st.Uptime)
	if st.EscapeHandling != "" {
		fmt.Fprintf(w, "escape handling: %s\n", st.EscapeHandling)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tSTATE\tHEALTH\tPID\tUPTIME\tRESTARTS\tLAST EXIT\tREASON")
	for _, s := range st.Services {
		pid, up, exit := "-", "-", "-"
		if s.PID != 0 {
			pid, up = fmt.Sprint(s.PID), fmt.Sprint(s.Uptime)
		}
		if s.LastExit != nil {
			exit = fmt.Sprintf("code %d", s.LastExit.Code)
			if s.LastExit.Signal != "" {
				exit = s.LastExit.Signal
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", s.Name, s.State, s.Health, pid, up, s.Restarts, exit, s.Reason)
	}
	tw.Flush()
	for _, s := range st.Services {
		for _, c := range s.Checks {
			if !c.Passing {
				fmt.Fprintf(w, "  %s: %s check %s failing (%d in a row): %s\n", s.Name, c.Type, c.Name, c.ConsecutiveFailures, c.Error)
			}
		}
	}
}

func controlCmd(op string) command {
	return func(args []string, stdout, stderr io.Writer) int {
		f := newClientFlags(op, stderr)
		c, code := f.connect(args, stderr, 1, fmt.Sprintf("usage: watchdog %s [-c FILE] SERVICE", op))
		if c == nil {
			return code
		}
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		st, err := c.Control(ctx, op, f.args[0])
		if err != nil {
			fmt.Fprintf(stderr, "%s %s: %v\n", op, f.args[0], err)
			return exitError
		}
		fmt.Fprintf(stdout, "%s: %s (%s) pid %d\n", st.Name, st.State, st.Health, st.PID)
		return exitOK
	}
}

func reloadCmd(args []string, stdout, stderr io.Writer) int {
	f := newClientFlags("reload", stderr)
	c, code := f.connect(args, stderr, 0, "usage: watchdog reload [-c FILE]")
	if c == nil {
		return code
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := c.Reload(ctx); err != nil {
		fmt.Fprintln(stderr, strings.TrimSpace(err.Error()))
		return exitError
	}
	fmt.Fprintln(stdout, "reloaded")
	return exitOK
}

func logsCmd(args []string, stdout, stderr io.Writer) int {
	f := newClientFlags("logs", stderr)
	follow := f.fs.Bool("f", false, "follow new lines")
	n := f.fs.Int("n", 100, "lines to show")
	c, code := f.connect(args, stderr, 1, "usage: watchdog logs [-c FILE] [-f] [-n N] SERVICE")
	if c == nil {
		return code
	}
	defer c.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := c.Logs(ctx, f.args[0], *n, *follow, stdout); err != nil {
		fmt.Fprintln(stderr, err)
		return exitError
	}
	return exitOK
}
