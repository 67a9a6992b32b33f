package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
)

// exportBinary is the separate program `watchdog export` runs: the
// Kubernetes API types stay out of the daemon (docs/kubernetes.md).
const exportBinary = "watchdog-export"

// exportCmd runs watchdog-export, found next to this executable or on PATH,
// with the same arguments, standard streams and exit code.
func exportCmd(args []string, stdout, stderr io.Writer) int {
	bin, err := findExport()
	if err != nil {
		fmt.Fprintln(stderr, "watchdog export:", err)
		return exitError
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, stdout, stderr
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() > 0 {
			return exit.ExitCode()
		}
		fmt.Fprintln(stderr, "watchdog export:", err)
		return exitError
	}
	return exitOK
}

func findExport() (string, error) {
	if self, err := os.Executable(); err == nil {
		beside := filepath.Join(filepath.Dir(self), exportBinary)
		if _, err := os.Stat(beside); err == nil {
			return beside, nil
		}
	}
	if p, err := exec.LookPath(exportBinary); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%s is neither next to this binary nor on PATH: `make build` puts both in bin/ (or go install ./cmd/watchdog-export); it is a separate binary so the Kubernetes types do not weigh on the daemon", exportBinary)
}
