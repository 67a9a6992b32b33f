// Command watchdog supervises a host's services from one vigil.yaml and
// controls a running watchdog over its socket. See `watchdog --help`.
package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/vigilhq/vigil/watchdog"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// Exit codes (documented in docs/cli.md).
const (
	exitOK        = 0
	exitError     = 1 // runtime error, watchdog unreachable, control refused
	exitUsage     = 2 // bad command line or invalid configuration
	exitUnhealthy = 3 // `status`: the host is unhealthy
)

const usage = `watchdog — supervise services from one vigil.yaml

Usage:
  watchdog run      [-c FILE] [--log-format text|json]   run the supervisor (foreground)
  watchdog validate [-c FILE]                            check a config and this host (dirs, users,
                                                         groups); exit 2 on any error
  watchdog status   [-c FILE] [--json]                   show every service; exit 3 if unhealthy
  watchdog start    [-c FILE] SERVICE                    start a stopped (or failed) service
  watchdog stop     [-c FILE] SERVICE                    stop a service's whole process group
  watchdog restart  [-c FILE] SERVICE                    restart a service
  watchdog logs     [-c FILE] [-f] [-n N] SERVICE        print (and follow) a service's log
  watchdog reload   [-c FILE]                            re-read the config (like SIGHUP)
  watchdog init     [-c FILE]                             container PID 1: run the supervisor, reap
                                                         orphans, restart it if it dies (it adopts)
  watchdog install   systemd|launchd [-c FILE] [--user] [--dry-run] [--prefix DIR]   write the service unit
  watchdog uninstall systemd|launchd [--user] [--prefix DIR]                       remove it
  watchdog export kubernetes [-c FILE] [--image SVC=IMAGE]... [--default-image IMAGE] [--namespace NS] [-o FILE]
                                                         write Deployments, probes and Services for the
                                                         services (runs watchdog-export; docs/kubernetes.md)
  watchdog version                                       print the version

-c defaults to $VIGIL_CONFIG, else ./vigil.yaml. Control commands use the
config's api.socket (override with --socket PATH).

Exit codes: 0 ok, 1 error, 2 usage or invalid config, 3 unhealthy (status).
Run "watchdog COMMAND --help" for a command's flags.
`

type command func(args []string, stdout, stderr io.Writer) int

func main() {
	watchdog.ExecShim() // returns unless started as a socket service's exec shim
	os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr))
}

func dispatch(args []string, stdout, stderr io.Writer) int {
	cmds := map[string]command{
		"run":       runCmd,
		"validate":  validateCmd,
		"status":    statusCmd,
		"start":     controlCmd("start"),
		"stop":      controlCmd("stop"),
		"restart":   controlCmd("restart"),
		"logs":      logsCmd,
		"reload":    reloadCmd,
		"init":      initCmd,
		"install":   installCmd(false),
		"uninstall": installCmd(true),
		"export":    exportCmd,
		"version": func([]string, io.Writer, io.Writer) int {
			fmt.Fprintln(stdout, "watchdog", version)
			return exitOK
		},
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "watchdog: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
	return cmd(args[1:], stdout, stderr)
}

// defaultConfig is $VIGIL_CONFIG or ./vigil.yaml.
func defaultConfig() string {
	if p := os.Getenv("VIGIL_CONFIG"); p != "" {
		return p
	}
	return "vigil.yaml"
}

// survivePipes makes a write to a closed stdout or stderr (`watchdog run |
// tee log`, tee gone after Ctrl-C) fail with EPIPE instead of killing the
// process with SIGPIPE halfway through stopping its services. Notify, not
// signal.Ignore: an ignored signal would stay ignored in every service the
// watchdog starts, while a caught one is reset to the default at exec.
func survivePipes() (stop func()) {
	c := make(chan os.Signal, 1) // never read: SIGPIPE only has to be caught
	signal.Notify(c, syscall.SIGPIPE)
	return func() { signal.Stop(c) }
}
