package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/vigilhq/vigil/slo"
	"github.com/vigilhq/vigil/slo/report"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func run(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := dispatch(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestListLibrary(t *testing.T) {
	code, out, errs := run("list", "../../scenarios/library")
	if code != exitOK {
		t.Fatalf("chaos list = %d, stderr %s", code, errs)
	}
	for _, name := range []string{"kill-pgapi", "cut-solana", "crash-loop", "kill-watchdog", "fill-port"} {
		if !strings.Contains(out, name) {
			t.Errorf("chaos list output lacks %s:\n%s", name, out)
		}
	}
}

func TestListBadFileIsUsageError(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir+"/bad.yaml", "name: x\nseed: 1\nfautls: []\n")
	code, _, errs := run("list", dir)
	if code != exitUsage || !strings.Contains(errs, "bad.yaml:3:") {
		t.Errorf("chaos list bad = %d, stderr %q; want %d and the line", code, errs, exitUsage)
	}
}

func TestReportAndDiff(t *testing.T) {
	old, cur := t.TempDir(), t.TempDir()
	base := slo.Analyze(slo.ScenarioInput{Name: "kill-pgapi", Seed: 1, Timelines: []slo.Timeline{{Target: "pgapi", Probes: []slo.Probe{
		{Time: time.Unix(100, 0), OK: true}, {Time: time.Unix(101, 0), OK: true},
	}}}}, slo.DefaultObjectives())
	r := report.New(report.Meta{Release: "v1", Generated: time.Unix(200, 0)}, slo.DefaultObjectives(), []slo.ScenarioResult{base})
	for _, d := range []string{old, cur} {
		if err := report.WriteAll(d, r); err != nil {
			t.Fatal(err)
		}
	}
	if code, out, errs := run("report", cur); code != exitOK || !strings.Contains(out, "kill-pgapi") {
		t.Errorf("chaos report = %d, %q, %q; want the Markdown", code, out, errs)
	}
	if code, out, _ := run("report", "diff", old, cur); code != exitOK || !strings.Contains(out, "no SLO regressions") {
		t.Errorf("chaos report diff same = %d, %q; want no regressions", code, out)
	}
	lost := base
	set := slo.SetResult{Lost: []string{"k1"}}
	lost.Set = &set
	r2 := report.New(report.Meta{Release: "v2", Generated: time.Unix(300, 0)}, slo.DefaultObjectives(), []slo.ScenarioResult{lost})
	if err := report.WriteAll(cur, r2); err != nil {
		t.Fatal(err)
	}
	if code, out, _ := run("report", "diff", old, cur); code != exitFailed || !strings.Contains(out, "lost") {
		t.Errorf("chaos report diff lost = %d, %q; want exit 1 naming the lost write", code, out)
	}
	if code, _, errs := run("report", "diff", t.TempDir(), cur); code != exitUsage || !strings.Contains(errs, "old:") {
		t.Errorf("chaos report diff without a baseline = %d, %q; want exit %d naming the old report", code, errs, exitUsage)
	}
}

func TestUsage(t *testing.T) {
	if code, _, _ := run(); code != exitUsage {
		t.Errorf("chaos = %d, want %d", code, exitUsage)
	}
	if code, _, errs := run("explode"); code != exitUsage || !strings.Contains(errs, "unknown command") {
		t.Errorf("chaos explode = %d, %q", code, errs)
	}
	if code, _, _ := run("gameday"); code != exitUsage {
		t.Errorf("chaos gameday (no file) = %d, want %d", code, exitUsage)
	}
}
