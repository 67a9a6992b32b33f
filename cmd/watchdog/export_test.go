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

// TestDaemonDoesNotLinkKubernetes: the Kubernetes API types (4 MB of binary,
// 3 MB of memory) stay in watchdog-export.
func TestDaemonDoesNotLinkKubernetes(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, "k8s.io/") || strings.HasSuffix(pkg, "/watchdog/kubernetes") {
			t.Errorf("the watchdog links %s", pkg)
		}
	}
}

// TestDaemonDoesNotLinkClientGolang: /metrics is written by watchdog/metrics;
// client_golang and the protobuf it gathers through cost the daemon 2.2 MB
// of PSS (docs/benchmarks.md).
func TestDaemonDoesNotLinkClientGolang(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, "github.com/prometheus/") || strings.HasPrefix(pkg, "google.golang.org/protobuf/") {
			t.Errorf("the watchdog links %s", pkg)
		}
	}
}
