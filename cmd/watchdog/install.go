package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/vigilhq/vigil/watchdog/config"
	"github.com/vigilhq/vigil/watchdog/install"
)

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// installCmd writes (install) or removes (uninstall) the systemd unit or
// launchd plist that runs `watchdog run`; see docs/operations.md.
func installCmd(remove bool) command {
	verb := "install"
	if remove {
		verb = "uninstall"
	}
	return func(args []string, stdout, stderr io.Writer) int {
		usageLine := fmt.Sprintf("usage: watchdog %s systemd|launchd [-c FILE] [--user] [--binary PATH] [--prefix DIR] [--dry-run] [--rw PATH]... [--cap CAP]... [--watchdog-sec D] [--restart-sec D] [--run-as USER]", verb)
		if len(args) == 0 || (args[0] != "systemd" && args[0] != "launchd") {
			fmt.Fprintln(stderr, usageLine)
			return exitUsage
		}
		kind := args[0]
		fs := flag.NewFlagSet(verb, flag.ContinueOnError)
		fs.SetOutput(stderr)
		path := fs.String("c", defaultConfig(), "config file the service runs with")
		user := fs.Bool("user", false, "per-user unit (~/.config/systemd/user, ~/Library/LaunchAgents)")
		binary := fs.String("binary", "", "watchdog binary (default: this executable)")
		prefix := fs.String("prefix", "", "write under this root instead of / (packaging)")
		dry := fs.Bool("dry-run", false, "print the unit, write nothing")
		var rw, caps listFlag
		fs.Var(&rw, "rw", "extra ReadWritePaths= (systemd; repeatable)")
		fs.Var(&caps, "cap", "extra capability in CapabilityBoundingSet= (systemd; repeatable)")
		wd := fs.Duration("watchdog-sec", 0, "WatchdogSec= (systemd; default 10s)")
		rs := fs.Duration("restart-sec", 0, "RestartSec= (systemd; default 1s)")
		runAs := fs.String("run-as", "", "run the watchdog as this system user with ambient capabilities instead of root (systemd)")
		if fs.Parse(args[1:]) != nil {
			return exitUsage
		}
		o := install.Options{Binary: *binary, ConfigPath: *path, User: *user, Prefix: *prefix, DryRun: *dry, Out: stdout}
		var u install.Unit
		if kind == "systemd" {
			u = &install.SystemdOptions{Options: o, ReadWritePaths: rw, Capabilities: caps, WatchdogSec: *wd, RestartSec: *rs, RunAs: *runAs}
		} else {
			u = &install.LaunchdOptions{Options: o}
		}
		run := install.Install
		if remove {
			run = install.Uninstall
		}
		file, err := run(u)
		if err != nil {
			fmt.Fprintln(stderr, err)
			var cerrs config.Errors
			if errors.As(err, &cerrs) {
				return exitUsage
			}
			return exitError
		}
		if !*dry {
			fmt.Fprintf(stdout, "%sed %s\n", verb, file)
		}
		return exitOK
	}
}
