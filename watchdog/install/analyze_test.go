package install

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// analyzer runs the real systemd-analyze on rendered units.
type analyzer struct{ bin string }

// requireAnalyze finds systemd-analyze (Debian package "systemd"). Missing, it
// fails the test under CI=true and skips loudly elsewhere.
func requireAnalyze(t *testing.T) analyzer {
	t.Helper()
	bin, err := exec.LookPath("systemd-analyze")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("systemd-analyze not found (%v): CI must install the Debian package systemd", err)
		}
		t.Skipf("SKIPPING: systemd-analyze not found (%v); apt-get install systemd to run this test", err)
	}
	return analyzer{bin: bin}
}

// writeUnit writes unit as vigil.service in a fresh temp dir.
func writeUnit(t *testing.T, unit string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), Name+".service")
	if err := os.WriteFile(path, []byte(unit), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func (a analyzer) run(t *testing.T, user bool, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if user {
		args = append([]string{"--user"}, args...)
	}
	cmd := exec.CommandContext(ctx, a.bin, args...)
	// A --user manager needs a runtime dir; colours and pagers would garble parsing.
	cmd.Env = append(os.Environ(), "XDG_RUNTIME_DIR="+t.TempDir(), "SYSTEMD_COLORS=0", "SYSTEMD_PAGER=cat")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// verify runs systemd-analyze verify and fails on any complaint, even one
// that leaves the exit status 0 (unknown keys are only warnings).
func (a analyzer) verify(t *testing.T, path string, user bool) {
	t.Helper()
	out, err := a.run(t, user, "verify", "--man=no", path)
	if err != nil || out != "" {
		t.Fatalf("systemd-analyze verify %s: %v\n%s", path, err, out)
	}
}

var exposureLine = regexp.MustCompile(`Overall exposure level for \S+: ([0-9]+(?:\.[0-9]+)?)`)

// exposure runs systemd-analyze security --offline and returns the overall
// exposure level (0 safest, 10 least safe) and the full report.
func (a analyzer) exposure(t *testing.T, path string) (float64, string) {
	t.Helper()
	out, err := a.run(t, false, "security", "--offline=yes", path)
	if err != nil {
		t.Fatalf("systemd-analyze security %s: %v\n%s", path, err, out)
	}
	m := exposureLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("systemd-analyze security %s: no %q line in\n%s", path, "Overall exposure level", out)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v, out
}
