package chaos

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/vigilhq/vigil/faults"
)

var updateDocs = flag.Bool("update", false, "rewrite the fault table in docs/scenarios.md from FaultTable")

// The fault table in docs/scenarios.md stands between these lines.
const (
	docsFile       = "../../docs/scenarios.md"
	faultTableOpen = "<!-- fault table: generated from FaultTable (scenarios/chaos/kinds.go) by " +
		"`go test ./scenarios/chaos -run TestFaultTableDocs -update`; edit the table in Go, not here -->"
	faultTableClose = "<!-- end of fault table -->"
)

// TestFaultTableDocs checks that docs/scenarios.md lists every kind and
// action of FaultTable as it is (-update rewrites it).
func TestFaultTableDocs(t *testing.T) {
	b, err := os.ReadFile(docsFile)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	before, rest, ok1 := strings.Cut(doc, faultTableOpen+"\n")
	got, after, ok2 := strings.Cut(rest, faultTableClose)
	if !ok1 || !ok2 {
		t.Fatalf("%s has no fault table between %q and %q", docsFile, faultTableOpen, faultTableClose)
	}
	want := faultTableMarkdown()
	if got == want {
		return
	}
	if *updateDocs {
		if err := os.WriteFile(docsFile, []byte(before+faultTableOpen+"\n"+want+faultTableClose+after), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("the fault table of %s is not FaultTable's: run go test ./scenarios/chaos -run TestFaultTableDocs -update\ngot:\n%swant:\n%s", docsFile, got, want)
}

// faultTableMarkdown renders FaultTable as a Markdown table.
func faultTableMarkdown() string {
	var b strings.Builder
	b.WriteString("| kind | action | timed | params | reach | stack | local |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- |\n")
	orDash := func(s string) string {
		if s == "" {
			return "—"
		}
		return s
	}
	for _, d := range FaultTable() {
		timed := "no"
		if d.Timed {
			timed = "yes"
		}
		var params []string
		for _, p := range d.Params {
			var about []string
			if p.Default != "" {
				about = append(about, "default "+p.Default)
			}
			if p.Doc != "" {
				about = append(about, p.Doc)
			}
			if len(about) > 0 {
				params = append(params, fmt.Sprintf("%s (%s)", p.Name, strings.Join(about, "; ")))
			} else {
				params = append(params, p.Name)
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n",
			d.Kind, d.Action, timed, strings.Join(params, ", "), d.Reach, orDash(d.Stack), orDash(d.Local))
	}
	return b.String()
}

// TestFaultTableRows checks each row: one per kind and action, documented
// for exactly the targets that can build it.
func TestFaultTableRows(t *testing.T) {
	seen := map[string]bool{}
	for _, d := range FaultTable() {
		name := d.Kind + " " + d.Action
		if seen[name] {
			t.Errorf("%s: two rows", name)
		}
		seen[name] = true
		if (d.Stack != "") != (d.stack != nil || d.both != nil) {
			t.Errorf("%s: Stack doc %q, stack builder %v: document exactly what the stack builds", name, d.Stack, d.stack != nil || d.both != nil)
		}
		if (d.Local != "") != (d.local != nil || d.both != nil) {
			t.Errorf("%s: Local doc %q, local builder %v: document exactly what a local target builds", name, d.Local, d.local != nil || d.both != nil)
		}
		if d.stack != nil && d.local != nil && d.both != nil {
			t.Errorf("%s: both is never used when stack and local are set", name)
		}
	}
}

// TestLocalMakeFault builds every fault of the table on a local target:
// those it documents succeed, the others are ErrUnsupported. Building
// touches nothing; injecting would.
func TestLocalMakeFault(t *testing.T) {
	f := localFaults{t: &Target{PostgresDSN: "postgres://postgres@127.0.0.1:1/app"}, socket: "/nonexistent"}
	for _, d := range FaultTable() {
		t.Run(d.Kind+"-"+d.Action, func(t *testing.T) {
			spec := FaultSpec{Kind: d.Kind, Action: d.Action, Target: "pgapi"}
			got, err := f.MakeFault(spec)
			switch {
			case d.Local == "" && !errors.Is(err, ErrUnsupported):
				t.Errorf("MakeFault(%s %s) = %v, %v, want ErrUnsupported", d.Kind, d.Action, got, err)
			case d.Local != "" && (err != nil || got == nil):
				t.Errorf("MakeFault(%s %s) = %v, %v, want a fault", d.Kind, d.Action, got, err)
			}
		})
	}
}

// TestParamDefaults pins the defaults the builders see.
func TestParamDefaults(t *testing.T) {
	d, _ := lookupFault("postgres", "abort_commit")
	f, err := abortCommit(localFaults{t: &Target{PostgresDSN: "dsn"}}, d.withDefaults(FaultSpec{Params: map[string]string{"table": "transfers"}}))
	if err != nil {
		t.Fatal(err)
	}
	if ac := f.(*faults.AbortCommit); ac.Table != "transfers" || ac.Probability != 0.3 || ac.DSN != "dsn" {
		t.Errorf("abortCommit(table: transfers) = %+v, want table transfers, probability 0.3, dsn dsn", ac)
	}
	spec := FaultSpec{Kind: "link", Action: "bandwidth", Params: map[string]string{}}
	d, _ = lookupFault(spec.Kind, spec.Action)
	if got := d.withDefaults(spec).Params["rate"]; got != "10" || len(spec.Params) != 0 {
		t.Errorf("withDefaults(link bandwidth) rate = %q (spec params %v), want 10 and spec unchanged", got, spec.Params)
	}
}
