// Command chaos runs Vigil's chaos scenarios (scenarios/library) against the
// container stack or a live host watchdog and writes SLO reports to
// reports/<release>/. See docs/scenarios.md.
package main

import (
	"fmt"
	"io"
	"os"
)

// Exit codes.
const (
	exitOK     = 0
	exitFailed = 1 // a breach, deviation or run error
	exitUsage  = 2
	// exitInconclusive: no breach, but a scenario could not be judged
	// (too many probe ticks voided by harness stalls).
	exitInconclusive = 3
)

const usage = `chaos — break the reference stack on purpose and measure Vigil's SLOs

Usage:
  chaos run [--reports DIR] [--target stack] FILE|DIR…   run scenarios, write reports; exit 1 on any breach, 3 if inconclusive
  chaos list [FILE|DIR…]                                list scenarios (default scenarios/library)
  chaos report [DIR]                                    print a report as Markdown (default: reports/<release>)
  chaos report diff OLD NEW                             regressions of NEW against OLD (dirs or report.json);
                                                        exit 1 on a regression, 2 if a report is unreadable
  chaos gameday FILE [--yes] [--target stack|local] [--socket PATH] [--dsn DSN]
                                                        step through one scenario, confirming each fault

Environment: VIGIL_STACK_IMAGE (default vigil/stack:latest) and the other
VIGIL_*_IMAGE variables of docs/stack.md.
`

type command func(args []string, stdin io.Reader, stdout, stderr io.Writer) int

func main() {
	os.Exit(dispatch(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func dispatch(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmds := map[string]command{
		"run":     runCmd,
		"list":    listCmd,
		"report":  reportCmd,
		"gameday": gamedayCmd,
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
		fmt.Fprintf(stderr, "chaos: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
	return cmd(args[1:], stdin, stdout, stderr)
}
