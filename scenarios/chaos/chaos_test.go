//go:build chaos

package chaos

import (
	"cmp"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigilhq/vigil/scenarios/stack"
	"github.com/vigilhq/vigil/scenarios/stack/stacktest"
	"github.com/vigilhq/vigil/slo/report"
)

// TestScenarios runs every scenario of scenarios/library (or the files in
// $CHAOS_SCENARIOS, space-separated) against one container stack, writes
// the reports to $CHAOS_REPORTS (default reports/<git describe>) and fails
// naming each scenario, fault and SLO that was breached. `make chaos` runs
// it through ci/chaos.sh.
func TestScenarios(t *testing.T) {
	paths := []string{"../library"}
	if v := os.Getenv("CHAOS_SCENARIOS"); v != "" {
		paths = strings.Fields(v)
	}
	scenarios, err := LoadAll(paths)
	if err != nil {
		t.Fatalf("load scenarios: %v", err)
	}
	release, err := Release(t.Context(), ".")
	if err != nil {
		t.Fatal(err)
	}
	dir := cmp.Or(os.Getenv("CHAOS_REPORTS"), filepath.Join("..", "..", "reports", release))

	s := stacktest.Require(t, stack.Options{
		StackImage: cmp.Or(os.Getenv(stack.EnvStackImage), "vigil/stack:latest"),
		Solana:     stack.SolanaRequired,
	})
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Minute)
	defer cancel()
	tg, err := StackTarget(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close()
	defer tg.Watchdog.Close()

	journal := NewJournal(nil, logWriter{t})
	runner := &Runner{Target: tg, Journal: journal, RunID: time.Now().UTC().Format("20060102t150405")}
	res := RunSuite(ctx, runner, scenarios, report.Meta{Release: release, GitDescribe: release})
	if err := WriteReports(dir, res, journal); err != nil {
		t.Fatalf("write reports: %v", err)
	}
	a := res.Report.Aggregate
	t.Logf("reports in %s: %d scenarios, recovery p50 %v p95 %v max %v, lost %d",
		dir, a.Scenarios, a.RecoveryP50, a.RecoveryP95, a.RecoveryMax, a.Lost)
	for _, sc := range scenarios {
		t.Run(sc.Name, func(t *testing.T) {
			for _, b := range res.Report.Breaches {
				if b.Scenario == sc.Name {
					t.Error(b.String())
				}
			}
			for _, in := range res.Report.Inconclusive {
				if in.Scenario == sc.Name {
					t.Errorf("INCONCLUSIVE (not an SLO breach): %s", in.Reason)
				}
			}
		})
	}
	for _, b := range res.Report.Breaches {
		if b.Scenario == "release" || b.Scenario == "run" {
			t.Error(b.String())
		}
	}
}

// logWriter sends journal lines to the test log.
type logWriter struct{ t *testing.T }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
