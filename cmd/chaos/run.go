package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/vigilhq/vigil/scenarios/chaos"
	"github.com/vigilhq/vigil/slo/report"
)

func runCmd(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs, tf := newTargetFlags("run", "reports/<git describe>", stderr)
	scenarios, code := loadScenarios(fs, args, stderr)
	if code != exitOK {
		return code
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	release, err := chaos.Release(ctx, ".")
	if err != nil {
		fmt.Fprintf(stderr, "chaos run: %v\n", err)
		return exitFailed
	}
	dir := tf.reports
	if dir == "" {
		dir = filepath.Join(reportsRoot, release)
	}
	runner, closeTarget, err := tf.runner(ctx, stderr, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "chaos run: %v\n", err)
		return exitFailed
	}
	defer closeTarget()
	res := chaos.RunSuite(ctx, runner, scenarios, report.Meta{Release: release, GitDescribe: release})
	return finish(res, runner.Journal, dir, stdout, stderr)
}

// finish writes the reports and prints the verdict.
func finish(res chaos.SuiteResult, journal *chaos.Journal, dir string, stdout, stderr io.Writer) int {
	if err := chaos.WriteReports(dir, res, journal); err != nil {
		fmt.Fprintf(stderr, "chaos: write reports: %v\n", err)
		return exitFailed
	}
	a := res.Report.Aggregate
	fmt.Fprintf(stdout, "reports in %s (report.html, report.md, report.json, junit.xml, journal.json)\n", dir)
	fmt.Fprintf(stdout, "%d scenarios, %d faults: recovery p50 %v p95 %v max %v; lost %d, duplicates %d, unexpected %d\n",
		a.Scenarios, a.Faults, a.RecoveryP50.Round(time.Millisecond), a.RecoveryP95.Round(time.Millisecond),
		a.RecoveryMax.Round(time.Millisecond), a.Lost, a.Duplicates, a.Unexpected)
	if res.Passed() {
		fmt.Fprintln(stdout, "PASS")
		return exitOK
	}
	code := exitFailed
	if res.Report.Verdict == report.VerdictInconclusive && len(res.Errors) == 0 {
		code = exitInconclusive
	}
	fmt.Fprintln(stdout, res.Report.Verdict)
	for _, f := range res.Failures() {
		fmt.Fprintln(stdout, "  "+f)
	}
	return code
}
