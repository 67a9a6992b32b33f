package chaos

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vigilhq/vigil/slo"
	"github.com/vigilhq/vigil/watchdog/config"
)

const goodScenario = `name: kill-pgapi
description: kill pgapi
seed: 7
load:
  payments_per_second: 50
faults:
  - kind: process
    action: kill
    target: pgapi
    at: 5s
  - name: cut
    kind: link
    action: cut
    target: postgres
    at: 10s
    duration: 10s
expect:
  restarted: [pgapi]
  health:
    - {service: pgapi, during: cut, is: [blocked, unhealthy]}
`

func TestParseDefaults(t *testing.T) {
	s, err := Parse([]byte(goodScenario), "good.yaml")
	if err != nil {
		t.Fatalf("Parse(good) = %v", err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"target", s.Target, TargetStack},
		{"first fault name", s.Faults[0].Name, "process-kill-pgapi"},
		{"load.duration", s.Load.Duration, 20*time.Second + DefaultTail},
		{"steady within", s.SteadyState.Within, DefaultSteadyWithin},
		{"objectives", s.Objectives, slo.DefaultObjectives()},
		{"faults_per_30d", s.FaultsPer30Days, slo.DefaultFaultsPer30Days},
		{"recovery_streak", s.RecoveryStreak, slo.DefaultRecoveryStreak},
		{"path", s.Path, "good.yaml"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("Parse(good).%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

// TestParseBad pins that every problem is reported with the line it is on.
func TestParseBad(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string // "line: substring" for each expected error, in order
	}{
		{"empty", ``, []string{"0: empty scenario file"}},
		{"unknown top key", "name: a\nseed: 1\nfautls: []\n", []string{"3: field fautls not found"}},
		{"unknown fault key", "name: a\nseed: 1\nfaults:\n  - kind: process\n    action: kill\n    target: x\n    when: 5s\n", []string{"7: field when not found"}},
		{"bad duration", "name: a\nseed: 1\nload:\n  duration: soon\n", []string{"4: cannot unmarshal"}},
		{"missing name and seed", "description: x\n", []string{"0: name", "0: seed is required"}},
		{"bad name", "name: Kill_PG\nseed: 1\n", []string{"1: name \"Kill_PG\""}},
		{"unknown kind", "name: a\nseed: 1\nfaults:\n  - kind: meteor\n    action: hit\n", []string{"4: unknown fault kind \"meteor\""}},
		{"unknown action", "name: a\nseed: 1\nfaults:\n  - kind: link\n    action: snip\n    target: solana\n", []string{"5: kind link has no action \"snip\""}},
		{"timed without duration", "name: a\nseed: 1\nfaults:\n  - kind: link\n    action: cut\n    target: solana\n    at: 1s\n", []string{"4: link cut needs a positive duration"}},
		{"instant with duration", "name: a\nseed: 1\nfaults:\n  - kind: process\n    action: kill\n    target: pgapi\n    duration: 5s\n", []string{"7: process kill is instantaneous"}},
		{"bad param", "name: a\nseed: 1\nfaults:\n  - kind: link\n    action: latency\n    target: solana\n    duration: 5s\n    params: {speed: fast}\n", []string{"8: link latency takes no parameter \"speed\""}},
		{"too many repeats", "name: a\nseed: 1\nfaults:\n  - kind: process\n    action: kill\n    target: pgapi\n    duration: 3m\n    every: 1s\n", []string{"7: duration 3m0s must cover 1 to 100"}},
		{"fault after load", "name: a\nseed: 1\nload:\n  duration: 5s\nfaults:\n  - kind: process\n    action: kill\n    target: pgapi\n    at: 6s\n", []string{"6: fault \"process-kill-pgapi\" ends at 6s, after load.duration 5s"}},
		{"duplicate fault names", "name: a\nseed: 1\nfaults:\n  - kind: process\n    action: kill\n    target: pgapi\n  - kind: process\n    action: kill\n    target: pgapi\n    at: 1s\n", []string{"7: fault name \"process-kill-pgapi\" is used twice"}},
		{"expect unknown fault", "name: a\nseed: 1\nexpect:\n  health:\n    - {service: pgapi, during: nothing, is: [degraded]}\n", []string{"5: during \"nothing\" names no fault"}},
		{"expect bad health", "name: a\nseed: 1\nfaults:\n  - {name: k, kind: process, action: kill, target: pgapi}\nexpect:\n  health:\n    - {service: pgapi, during: k, is: [sad]}\n", []string{"7: unknown health \"sad\""}},
		{"bad objectives", "name: a\nseed: 1\nobjectives:\n  availability: 2\n", []string{"3: objectives"}},
		{"two documents", "name: a\nseed: 1\n---\nname: b\n", []string{"3: more than one YAML document"}},
		{"probe path", "name: a\nseed: 1\nprobes:\n  - {service: pgapi, path: health}\n", []string{"4: path \"health\" must start with /"}},
		{"bad target", "name: a\nseed: 1\ntarget: cloud\n", []string{"3: target \"cloud\""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml), "bad.yaml")
			var es config.Errors
			if !errors.As(err, &es) {
				t.Fatalf("Parse = %v (%T), want config.Errors", err, err)
			}
			if len(es) != len(tc.want) {
				t.Fatalf("Parse = %d errors, want %d:\n%v", len(es), len(tc.want), err)
			}
			for i, w := range tc.want {
				line, sub, _ := strings.Cut(w, ": ")
				got := es[i]
				if want := atoi(t, line); got.Line != want || !strings.Contains(got.Error(), sub) {
					t.Errorf("error %d = %q (line %d), want line %d containing %q", i, got.Error(), got.Line, want, sub)
				}
				if !strings.HasPrefix(got.Error(), "bad.yaml:") {
					t.Errorf("error %d = %q, want the file name first", i, got.Error())
				}
			}
		})
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			t.Fatalf("bad line %q in test table", s)
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// TestLibraryParses keeps every shipped scenario valid.
func TestLibraryParses(t *testing.T) {
	ss, err := LoadAll([]string{"../library"})
	if err != nil {
		t.Fatalf("LoadAll(library) = %v", err)
	}
	if len(ss) < 9 {
		t.Errorf("library has %d scenarios, want at least the issue's 9 kinds", len(ss))
	}
}

func TestLoadAllRefusesDuplicateNames(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"a.yaml", "b.yaml"} {
		writeFile(t, dir+"/"+f, "name: same\nseed: 1\n")
	}
	_, err := LoadAll([]string{dir})
	if err == nil || !strings.Contains(err.Error(), `scenario name "same" is already used`) {
		t.Fatalf("LoadAll(duplicates) = %v, want a duplicate-name error", err)
	}
}

func TestSuiteObjectivesTakesStrictest(t *testing.T) {
	a := &Scenario{Objectives: slo.Objectives{RecoveryMax: 10 * time.Second, Availability: 0.99}}
	b := &Scenario{Objectives: slo.Objectives{RecoveryMax: 40 * time.Second, Availability: 0.9999}}
	got := SuiteObjectives([]*Scenario{a, b})
	want := slo.Objectives{RecoveryMax: 10 * time.Second, Availability: 0.9999}
	if got != want {
		t.Errorf("SuiteObjectives = %+v, want %+v", got, want)
	}
}
