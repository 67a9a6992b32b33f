package chaos

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/vigilhq/vigil/slo"
	"github.com/vigilhq/vigil/slo/report"
)

// SLOExpectation names scenario deviations (failed expectations, steady
// state not restored, skipped faults, runs that could not complete) in the
// report's breaches, next to the SLOs.
const SLOExpectation = "expectation"

// JournalFile is the journal WriteReports writes next to the report.
const JournalFile = "journal.json"

// SuiteResult is one run of several scenarios.
type SuiteResult struct {
	Results []Result
	Report  report.Report
	// Errors are scenarios that could not be carried out (steady state
	// never held, a fault could not be injected, a revert failed).
	Errors []error
}

// Passed reports whether every scenario ran and met every SLO and
// expectation.
func (s SuiteResult) Passed() bool { return s.Report.Passed && len(s.Errors) == 0 }

// Failures lists every breach, deviation and error, each naming its
// scenario (and fault and SLO where there is one).
func (s SuiteResult) Failures() []string {
	var out []string
	for _, b := range s.Report.Breaches {
		out = append(out, b.String())
	}
	for _, err := range s.Errors {
		out = append(out, err.Error())
	}
	for _, in := range s.Report.Inconclusive {
		out = append(out, fmt.Sprintf("scenario %s INCONCLUSIVE: %s", in.Scenario, in.Reason))
	}
	return out
}

// SuiteObjectives are the strictest objectives among scenarios: the report
// judges every scenario against one set.
func SuiteObjectives(scenarios []*Scenario) slo.Objectives {
	obj := slo.DefaultObjectives()
	for _, s := range scenarios {
		o := s.Objectives
		if o.RecoveryMax > 0 && o.RecoveryMax < obj.RecoveryMax {
			obj.RecoveryMax = o.RecoveryMax
		}
		if o.Availability > obj.Availability {
			obj.Availability = o.Availability
		}
		if o.MaxLost < obj.MaxLost {
			obj.MaxLost = o.MaxLost
		}
	}
	return obj
}

// RunSuite runs every scenario in order with r and builds the report. A
// scenario that cannot be carried out is recorded in Errors and the next
// one still runs (the Runner resets the target first); an interrupted ctx
// stops the suite. meta.Generated defaults to now.
func RunSuite(ctx context.Context, r *Runner, scenarios []*Scenario, meta report.Meta) SuiteResult {
	var (
		res      SuiteResult
		analyzed []slo.ScenarioResult
		devs     []slo.Breach
	)
	obj := SuiteObjectives(scenarios)
	for _, s := range scenarios {
		if ctx.Err() != nil {
			res.Errors = append(res.Errors, fmt.Errorf("scenario %s not run: %w", s.Name, context.Cause(ctx)))
			continue
		}
		out, err := r.Run(ctx, s)
		res.Results = append(res.Results, out)
		if err != nil {
			r.Journal.Add(Note{Kind: NoteError, Scenario: s.Name, Msg: err.Error()})
			res.Errors = append(res.Errors, err)
			continue
		}
		sr := slo.Analyze(out.Input, obj)
		analyzed = append(analyzed, sr)
		for _, d := range out.Deviations {
			devs = append(devs, slo.Breach{Scenario: s.Name, Fault: faultNames(s), SLO: SLOExpectation, Got: d, Want: "as the scenario expects"})
		}
		for _, f := range sr.Faults {
			r.Journal.Add(Note{Kind: NoteRun, Scenario: s.Name, Fault: f.Name,
				Msg: fmt.Sprintf("recovery %v (%s); watchdog said healthy after %v", f.Recovery.Round(time.Millisecond), f.Status, f.WatchdogRecovery.Round(time.Millisecond))})
		}
	}
	if meta.Generated.IsZero() {
		meta.Generated = time.Now()
	}
	res.Report = report.New(meta, obj, analyzed)
	res.Report.Breaches = append(res.Report.Breaches, devs...)
	for _, err := range res.Errors {
		res.Report.Breaches = append(res.Report.Breaches, slo.Breach{Scenario: scenarioOf(err, scenarios), SLO: SLOExpectation, Got: err.Error(), Want: "the scenario runs to the end"})
	}
	res.Report.Judge()
	return res
}

// faultNames joins a scenario's fault names with "+", as slo does.
func faultNames(s *Scenario) string {
	names := make([]string, len(s.Faults))
	for i, f := range s.Faults {
		names[i] = f.Name
	}
	return strings.Join(names, "+")
}

// scenarioOf finds the scenario an error names.
func scenarioOf(err error, scenarios []*Scenario) string {
	for _, s := range scenarios {
		if strings.Contains(err.Error(), "scenario "+s.Name) {
			return s.Name
		}
	}
	return "run"
}

// WriteReports writes the report files and the journal into dir.
func WriteReports(dir string, res SuiteResult, j *Journal) error {
	if err := report.WriteAll(dir, res.Report); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, JournalFile))
	if err != nil {
		return err
	}
	if err := j.WriteJSON(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Release returns `git describe --tags --always --dirty` run in dir, the
// name of the report directory (reports/<release>).
func Release(ctx context.Context, dir string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", "describe", "--tags", "--always", "--dirty")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", fmt.Errorf("git describe: %s", strings.TrimSpace(string(ee.Stderr)))
		}
		return "", fmt.Errorf("git describe: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}
