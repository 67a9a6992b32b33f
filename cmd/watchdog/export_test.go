package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestExportRunsWatchdogExport: `watchdog export kubernetes` runs the
// watchdog-export binary found on PATH, with its output and exit code.
func TestExportRunsWatchdogExport(t *testing.T) {
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(bin, exportBinary), "../watchdog-export")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build watchdog-export: %v\n%s", err, out)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	dir := t.TempDir()
	cfg := filepath.Join(dir, "vigil.yaml")
	if err := os.WriteFile(cfg, []byte("version: 1\nservices:\n  web:\n    command: [/app/web]\n    ports: [8080]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := dispatch([]string{"export", "kubernetes", "-c", cfg, "--default-image", "web:1"}, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d, stderr %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "kind: Deployment") || !strings.Contains(stdout.String(), "image: web:1") {
		t.Errorf("no Deployment in the output:\n%s", stdout.String())
	}
	stdout.Reset()
	stderr.Reset()
	if code := dispatch([]string{"export", "kubernetes", "-c", cfg}, &stdout, &stderr); code != exitUsage || !strings.Contains(stderr.String(), "--default-image") {
		t.Errorf("without an image: exit %d, stderr %q; want 2 and what to pass", code, stderr.String())
	}
	t.Setenv("PATH", dir) // nothing there
	stderr.Reset()
	if code := dispatch([]string{"export", "kubernetes", "-c", cfg}, &stdout, &stderr); code != exitError || !strings.Contains(stderr.String(), "make build") {
		t.Errorf("without watchdog-export: exit %d, stderr %q; want 1 and how to get it", code, stderr.String())
	}
}

// TestDaemonDoesNotLinkHeavyLibraries: the Kubernetes API types (4 MB of
// binary, 3 MB of memory) stay in watchdog-export, and /metrics is written by
// watchdog/metrics, not client_golang and the protobuf it gathers through
// (2.2 MB of PSS, docs/benchmarks.md).
func TestDaemonDoesNotLinkHeavyLibraries(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		heavy := strings.HasSuffix(pkg, "/watchdog/kubernetes")
		for _, prefix := range []string{"k8s.io/", "github.com/prometheus/", "google.golang.org/protobuf/"} {
			heavy = heavy || strings.HasPrefix(pkg, prefix)
		}
		if heavy {
			t.Errorf("the watchdog links %s", pkg)
		}
	}
}
