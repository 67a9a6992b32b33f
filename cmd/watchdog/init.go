package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/vigilhq/vigil/watchdog/pid1"
)

// initCmd runs as a container's PID 1: it starts `watchdog run` as its child,
// reaps orphans, forwards signals, and restarts the supervisor if it dies —
// the new one adopts the services still running (docs/operations.md).
func initCmd(args []string, _, stderr io.Writer) int {
	f, ok := parseRunFlags("init", args, stderr)
	if !ok {
		return exitUsage
	}
	defer survivePipes()()
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(stderr, "init:", err)
		return exitError
	}
	logger := newLogger(stderr, "text", os.Getenv("JOURNAL_STREAM")).With("component", "init")
	code, err := pid1.Run(context.Background(), pid1.Options{
		Argv:   append([]string{self, "run"}, f.args()...),
		Logger: logger,
	})
	if err != nil {
		fmt.Fprintln(stderr, err)
	}
	return code
}
