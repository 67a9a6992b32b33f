package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
)

// rulesDir holds the Prometheus rules shipped for users (docs/fleet.md).
const rulesDir = "../../docs/monitoring"

// TestShippedRules: the shipped alerting and recording rules load in the
// real promtool and its unit tests fire and resolve every alert.
func TestShippedRules(t *testing.T) {
	promtool := needPromtool(t)
	for _, args := range [][]string{
		{"check", "rules", "vigil-rules.yml"},
		{"test", "rules", "vigil-rules.test.yml"},
	} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = rulesDir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool %v: %v\n%s", args, err, out)
		}
	}
	rules, err := os.ReadFile(filepath.Join(rulesDir, "vigil-rules.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, alert := range []string{"VigilDown", "VigilServiceDown", "VigilServiceRestarting", "VigilServiceFailed", "VigilCheckFailing", "VigilHostUnhealthy"} {
		if !regexp.MustCompile(`alertname: ` + alert + `\b`).Match(mustRead(t, filepath.Join(rulesDir, "vigil-rules.test.yml"))) {
			t.Errorf("vigil-rules.test.yml does not test %s", alert)
		}
		if !regexp.MustCompile(`alert: ` + alert + `\n`).Match(rules) {
			t.Errorf("vigil-rules.yml has no alert %s", alert)
		}
	}
}

// ruleMetrics are the watchdog metric names the shipped rules read.
func ruleMetrics(t *testing.T) []string {
	t.Helper()
	names := regexp.MustCompile(`\bvigil_[a-z_]+`).FindAllString(string(mustRead(t, filepath.Join(rulesDir, "vigil-rules.yml"))), -1)
	slices.Sort(names)
	return slices.Compact(names)
}

// needPromtool returns Debian's promtool: fatal under CI=true when missing
// (ci/monitoring.sh installs it), a loud skip elsewhere.
func needPromtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true and no promtool: run ci/monitoring.sh (apt prometheus)")
		}
		t.Skip("SKIPPING: no promtool (run ci/monitoring.sh; with CI=true this fails)")
	}
	return p
}
