package chaos

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMutantPatchesApply keeps `make mutants` honest between its (long)
// runs: every patch of ci/mutants/ still applies to this tree and names
// the scenarios (existing files of scenarios/library) and tests that must
// catch it. A refactor that moves the mutated code fails here, in make test.
func TestMutantPatchesApply(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, ".git")); err != nil {
		t.Skipf("SKIPPING: %s is not a git checkout (%v)", root, err)
	}
	patches, _ := filepath.Glob(filepath.Join(root, "ci", "mutants", "*.patch"))
	if len(patches) < 10 {
		t.Fatalf("ci/mutants holds %d patches, want the 10 of docs/scenarios.md", len(patches))
	}
	for _, p := range patches {
		t.Run(filepath.Base(p), func(t *testing.T) {
			out, err := exec.Command("git", "-C", root, "apply", "--check", p).CombinedOutput()
			if err != nil {
				t.Fatalf("git apply --check: %v: %s: regenerate the patch against this tree", err, out)
			}
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			var scenarios, tests int
			for _, line := range strings.Split(string(b), "\n") {
				switch {
				case strings.HasPrefix(line, "# scenarios:"):
					for _, s := range strings.Fields(strings.TrimPrefix(line, "# scenarios:")) {
						scenarios++
						if _, err := os.Stat(filepath.Join(root, "scenarios", "library", s+".yaml")); err != nil {
							t.Errorf("scenario %s: %v", s, err)
						}
					}
				case strings.HasPrefix(line, "# tests:"):
					tests++
				}
			}
			if scenarios == 0 && tests == 0 {
				t.Error("the header names no scenario and no test that must catch the mutant")
			}
		})
	}
}
