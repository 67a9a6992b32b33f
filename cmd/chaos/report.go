package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/vigilhq/vigil/scenarios/chaos"
	"github.com/vigilhq/vigil/slo/report"
)

// reportsRoot is where runs write reports/<release>/.
const reportsRoot = "reports"

func reportCmd(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "diff" {
		return diffCmd(args[1:], stdout, stderr)
	}
	if len(args) > 1 {
		fmt.Fprintf(stderr, "chaos report: want at most one DIR\n\n%s", usage)
		return exitUsage
	}
	var dir string
	if len(args) == 1 {
		dir = args[0]
	} else {
		rel, err := chaos.Release(context.Background(), ".")
		if err != nil {
			fmt.Fprintf(stderr, "chaos report: %v: give the report DIR\n", err)
			return exitUsage
		}
		dir = filepath.Join(reportsRoot, rel)
	}
	r, err := readReport(dir)
	if err != nil {
		fmt.Fprintf(stderr, "chaos report: %v\n", err)
		return exitFailed
	}
	if err := report.WriteMarkdown(stdout, r); err != nil {
		fmt.Fprintf(stderr, "chaos report: %v\n", err)
		return exitFailed
	}
	return exitOK
}

// diffCmd compares two reports: exit 0 without regressions, 1 with any
// beyond the noise margins (slo/report Diff), 2 on usage or an unreadable
// report, so a gate can tell "slower" from "no baseline".
func diffCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) != 2 {
		fmt.Fprintf(stderr, "chaos report diff: want OLD NEW (report dirs or report.json files)\n")
		return exitUsage
	}
	old, err := readReport(args[0])
	if err != nil {
		fmt.Fprintf(stderr, "chaos report diff: old: %v\n", err)
		return exitUsage
	}
	cur, err := readReport(args[1])
	if err != nil {
		fmt.Fprintf(stderr, "chaos report diff: new: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "comparing %s (%s) with baseline %s (%s)\n", cur.Release, args[1], old.Release, args[0])
	onlyOld, onlyNew := report.Unmatched(old, cur)
	if len(onlyOld) > 0 {
		fmt.Fprintf(stdout, "not compared, only in the baseline: %s\n", strings.Join(onlyOld, ", "))
	}
	if len(onlyNew) > 0 {
		fmt.Fprintf(stdout, "not compared, new: %s\n", strings.Join(onlyNew, ", "))
	}
	regs := report.Diff(old, cur)
	fmt.Fprintf(stdout, "margins: %s\n", report.Margins())
	fmt.Fprint(stdout, report.FormatDiff(regs))
	if len(regs) > 0 {
		return exitFailed
	}
	return exitOK
}

// readReport reads path, a report directory or a report.json.
func readReport(path string) (report.Report, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		path = filepath.Join(path, report.JSONFile)
	}
	f, err := os.Open(path)
	if err != nil {
		return report.Report{}, fmt.Errorf("%w: run `chaos run` first or give a report directory", err)
	}
	defer f.Close()
	r, err := report.ReadJSON(f)
	if err != nil {
		return report.Report{}, fmt.Errorf("read %s: %w", path, err)
	}
	return r, nil
}
