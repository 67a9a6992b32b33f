package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadConfigs pins, for each kind of mistake, the exact file:line and
// the advice in the message.
func TestBadConfigs(t *testing.T) {
	tests := []badConfig{
		{"unknown key with suggestion", `version: 1
services:
  web:
    comand: [./web]
`, 4, `services.web: unknown key "comand": did you mean "command"?`},
		{"unknown top-level key lists valid keys", `version: 1
colour: blue
services:
  web: {command: [./web]}
`, 2, `unknown key "colour": valid: version, api, logs, alerts, services`},
		{"wrong type: scalar for list", `version: 1
services:
  web:
    command: [./web]
    ports: {http: 8080}
`, 5, `services.web.ports: expected a list`},
		{"wrong type: string for int", `version: 1
services:
  web:
    command: [./web]
    ports: [http]
`, 5, `services.web.ports[0]: expected a whole number, got "http"`},
		{"wrong type: bool", `version: 1
services:
  web:
    command: [./web]
    shell: yes
`, 5, `services.web.shell: expected true or false, got "yes"`},
		{"duration without unit", `version: 1
services:
  web:
    command: [./web]
    stop:
      timeout: 10
`, 6, `services.web.stop.timeout: duration 10 has no unit: write 10s or 10ms`},
		{"bad duration", `version: 1
services:
  web:
    command: [./web]
    restart:
      backoff:
        min: fast
`, 7, `services.web.restart.backoff.min: invalid duration "fast"`},
		{"negative duration", `version: 1
services:
  web:
    command: [./web]
    restart: {reset_after: -5s}
`, 5, `services.web.restart.reset_after: duration -5s is negative`},
		{"bad size", `version: 1
services:
  web:
    command: [./web]
    max_memory: 12 parsecs
`, 5, `services.web.max_memory: invalid size "12 parsecs": write a size such as 10MiB`},
		{"missing command", `version: 1
services:
  web:
    ports: [8080]
`, 3, `services.web.command: missing: add command:`},
		{"unknown depends_on", `version: 1
services:
  db: {command: [./db]}
  web:
    command: [./web]
    depends_on:
      dbb: healthy
`, 7, `services.web.depends_on.dbb: unknown service "dbb": did you mean "db"?`},
		{"cyclic depends_on", `version: 1
services:
  a:
    command: [./a]
    depends_on: {b: started}
  b:
    command: [./b]
    depends_on: {a: started}
`, 8, `dependency cycle a -> b -> a`},
		{"self dependency", `version: 1
services:
  a:
    command: [./a]
    depends_on: {a: started}
`, 5, `dependency cycle a -> a`},
		{"invalid depends_on condition", `version: 1
services:
  db: {command: [./db]}
  web:
    command: [./web]
    depends_on: {db: ready}
`, 6, `services.web.depends_on.db: unknown condition "ready": use started or healthy`},
		{"duplicate port across services", `version: 1
services:
  a:
    command: [./a]
    ports: [8080]
  b:
    command: [./b]
    ports: [9090, 8080]
`, 8, `services.b.ports[1]: port 8080 is already declared by service "a" (line 5)`},
		{"port out of range", `version: 1
services:
  a:
    command: [./a]
    ports:
      - 80
      - 70000
`, 7, `services.a.ports[1]: port 70000 is out of range: use 1-65535`},
		{"bad restart policy", `version: 1
services:
  a:
    command: [./a]
    restart: {policy: Always}
`, 5, `services.a.restart.policy: unknown policy "Always": did you mean "always"?`},
		{"bad port_conflict", `version: 1
services:
  a:
    command: [./a]
    port_conflict: kill-holders
`, 5, `services.a.port_conflict: unknown policy "kill-holders": did you mean "kill-holder"?`},
		{"bad stop signal", `version: 1
services:
  a:
    command: [./a]
    stop: {signal: SIGSTOPPLEASE}
`, 5, `services.a.stop.signal: unknown signal "SIGSTOPPLEASE": use one of`},
		{"check with no kind", `version: 1
services:
  a:
    command: [./a]
    health:
      liveness:
        - interval: 5s
`, 7, `services.a.health.liveness[0]: no check kind`},
		{"check with two kinds", `version: 1
services:
  a:
    command: [./a]
    health:
      readiness:
        - tcp: {address: "127.0.0.1:1"}
          exec: {command: [./check]}
`, 7, `services.a.health.readiness[0]: one check has several kinds (tcp, exec)`},
		{"check timeout not below interval", `version: 1
services:
  a:
    command: [./a]
    health:
      liveness:
        - tcp: {address: "127.0.0.1:1"}
          interval: 1s
          timeout: 1s
`, 9, `services.a.health.liveness[0].timeout: timeout 1s must be shorter than interval 1s`},
		{"negative number", `version: 1
services:
  a:
    command: [./a]
    health:
      liveness:
        - tcp: {address: "127.0.0.1:1"}
          failures: -1
`, 8, `services.a.health.liveness[0].failures: -1 is negative`},
		{"zero failures", `version: 1
services:
  a:
    command: [./a]
    health:
      liveness:
        - tcp: {address: "127.0.0.1:1"}
          failures: 0
`, 8, `services.a.health.liveness[0].failures: must be at least 1`},
		{"version missing", `services:
  a: {command: [./a]}
`, 1, `version: missing: add "version: 1"`},
		{"version 2", `# comment
version: 2
services:
  a: {command: [./a]}
`, 2, `version: unsupported version 2: this vigil reads version 1`},
		{"alert sink with no kind", `version: 1
services:
  a: {command: [./a]}
alerts:
  - name: pager
`, 5, `alerts[0]: an alert needs exactly one of file, webhook, alertmanager or exec, found 0`},
		{"alert sink with two kinds", `version: 1
services:
  a: {command: [./a]}
alerts:
  - name: pager
    file: {path: a.jsonl}
    exec: {command: [./notify]}
`, 5, `alerts[0]: an alert needs exactly one of file, webhook, alertmanager or exec, found 2`},
		{"shell command with several items", `version: 1
services:
  a:
    shell: true
    command: [./a, --flag]
`, 5, `services.a.command: shell: true runs one script with sh -c, but command has 2 items`},
		{"command string with spaces", `version: 1
services:
  a:
    command: ./a --flag
`, 4, `services.a.command: "./a --flag" is one string with spaces`},
		{"env_file missing", `version: 1
services:
  a:
    command: [./a]
    env_file: /nonexistent/a.env
`, 5, `services.a.env_file: env file /nonexistent/a.env does not exist`},
		{"unset variable", `version: 1
services:
  a:
    command: [./a]
    env:
      DB: ${DATABASE_URL}
`, 6, `services.a.env.DB: ${DATABASE_URL} is not set: export DATABASE_URL`},
		{"unset variable in typed value", `version: 1
services:
  a:
    command: [./a]
    ports: ["${PORT}"]
`, 5, `services.a.ports[0]: ${PORT} is not set`},
		{"duplicate key", `version: 1
services:
  a: {command: [./a]}
  a: {command: [./b]}
`, 4, `services.a: duplicate key (first written at line 3)`},
		{"yaml syntax", `version: 1
services:
  a: {command: [./a]
  b: x
`, 3, `YAML syntax: did not find expected ',' or '}' in the mapping or list that starts on this line`},
		{"yaml scanner error", `version: 1
services:
  a: b: c
`, 3, `YAML syntax: mapping values are not allowed in this context`},
		{"yaml tab indentation", "version: 1\nservices:\n\ta: {command: [./a]}\n", 3, `YAML syntax: found character that cannot start any token`},
		{"empty file", "", 1, `the file is empty`},
		{"two documents", `version: 1
services:
  a: {command: [./a]}
---
version: 1
`, 4, `a second YAML document starts here`},
		{"merge key cycle", `version: 1
services:
  a:
    command: [./a]
    restart: &r {<<: *r}
`, 5, `merge keys (<<) nested more than`},
		{"http check url", `version: 1
services:
  a:
    command: [./a]
    health:
      liveness:
        - http:
            url: 127.0.0.1:8080/health
`, 8, `services.a.health.liveness[0].http.url: "127.0.0.1:8080/health" is not an absolute http:// or https:// URL`},
		{"backoff min above max", `version: 1
services:
  a:
    command: [./a]
    restart:
      backoff: {min: 1m, max: 10s}
`, 6, `services.a.restart.backoff.min: min 1m0s is above max 10s`},
		{"no services", `version: 1
services: {}
`, 2, `services: no services`},
		{"duplicate check names", `version: 1
services:
  a:
    command: [./a]
    health:
      liveness:
        - {name: up, tcp: {address: "127.0.0.1:1"}}
      readiness:
        - name: up
          tcp: {address: "127.0.0.1:1"}
`, 9, `services.a.health.readiness[0].name: check name "up" is also used by services.a.health.liveness[0]`},
	}
	if len(tests) < 18 {
		t.Fatalf("only %d bad configs, want at least 18", len(tests))
	}
	wantRefused(t, tests)
}

// badConfig is a config Parse must refuse with an error at line whose
// "path: message" contains want.
type badConfig struct {
	name string
	src  string
	line int
	want string
}

// wantRefused parses each config and wants the error it names, and a line
// on every error.
func wantRefused(t *testing.T, tests []badConfig) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			es := parseErrs(t, tc.src, env{})
			prefix := fmt.Sprintf("vigil.yaml:%d: ", tc.line)
			found := false
			for _, e := range es {
				if e.Line < 1 || !fileLine.MatchString(e.Error()) {
					t.Errorf("Parse() error %q names no line", e.Error())
				}
				found = found || strings.HasPrefix(e.Error(), prefix) && strings.Contains(e.Error(), tc.want)
			}
			if !found {
				t.Errorf("Parse() errors:\n%v\nwant one starting %q containing %q", es, prefix, tc.want)
			}
		})
	}
}

// TestAllErrorsReported pins that one file with many mistakes reports every
// one of them at once, sorted by line, one per line of the error text.
func TestAllErrorsReported(t *testing.T) {
	src := `version: 1
services:
  web:
    comand: [./web]
    ports: [8080, 0]
    restart: {policy: sometimes}
  db:
    command: [./db]
    ports: [8080]
    depends_on: {cache: healthy}
    stop: {timeout: soon}
alerts:
  - {}
`
	es := parseErrs(t, src, env{})
	want := []string{
		`vigil.yaml:3: services.web.command: missing`,
		`vigil.yaml:4: services.web: unknown key "comand": did you mean "command"?`,
		`vigil.yaml:5: services.web.ports[1]: port 0 is out of range`,
		`vigil.yaml:6: services.web.restart.policy: unknown policy "sometimes"`,
		`vigil.yaml:9: services.db.ports[0]: port 8080 is already declared by service "web" (line 5)`,
		`vigil.yaml:10: services.db.depends_on.cache: unknown service "cache"`,
		`vigil.yaml:11: services.db.stop.timeout: invalid duration "soon"`,
		`vigil.yaml:13: alerts[0]: an alert needs exactly one of file, webhook, alertmanager or exec, found 0`,
	}
	lines := strings.Split(es.Error(), "\n")
	if len(lines) != len(want) {
		t.Fatalf("Parse() = %d errors:\n%v\nwant %d", len(lines), es, len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("error %d = %q, want prefix %q", i, lines[i], w)
		}
	}
}

// TestErrorFormat pins the file:line: path: message layout callers print.
func TestErrorFormat(t *testing.T) {
	tests := []struct {
		e    Error
		want string
	}{
		{Error{File: "v.yaml", Line: 3, Path: "services.a", Msg: "bad"}, "v.yaml:3: services.a: bad"},
		{Error{File: "v.yaml", Msg: "bad"}, "v.yaml: bad"},
		{Error{Line: 2, Msg: "bad"}, "<config>:2: bad"},
	}
	for _, tc := range tests {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
}

// TestValidateHandBuilt pins that Validate works on configs built in Go,
// placing errors at Service.Line.
func TestValidateHandBuilt(t *testing.T) {
	c := parseOK(t, minimal, nil)
	c.Path = filepath.Join("x", "vigil.yaml")
	c.Services["web"].Restart.Policy = "sometimes"
	err := c.Validate()
	if err == nil || !strings.Contains(err.Error(), "x/vigil.yaml:6: services.web.restart.policy: unknown policy") {
		t.Errorf("Validate() = %v, want the bad policy at the service's line", err)
	}
}

// TestErrorsWithoutFileLine pins issue 10 item 14: 334 of 1 818 refused
// configs named no line, because yaml.v3 leaves it out of reader errors,
// of unknown anchors and of anything on line 1. Every refusal names one.
func TestErrorsWithoutFileLine(t *testing.T) {
	wantRefused(t, []badConfig{
		{"invalid UTF-8", "version: 1\nservices:\n  a: {command: [\xff\xfe]}\n", 3, "byte 0xff is not UTF-8: save the file as UTF-8"},
		{"UTF-16", "\xff\xfev\x00\n\x00", 1, "is not UTF-8"},
		{"control character", "version: 1\nservices:\n  a: {command: [a\x07]}\n", 3, "control character U+0007 is not allowed in YAML"},
		{"NUL byte", "version: 1\x00\n", 1, "control character U+0000"},
		{"unknown anchor", "version: 1\nservices:\n  a: {command: *nope}\n", 3, "alias *nope has no anchor: define &nope before using it"},
		{"syntax error on line 1", "version: 1: 2\n", 1, "YAML syntax: mapping values are not allowed in this context"},
		{"tab on line 1", "\t- a\n", 1, "YAML syntax: found character that cannot start any token"},
		{"key never written", "version: 1\n", 1, "services: no services"},
	})
}

// TestValidateAcceptsWhatRunRejects pins issue 10 item 13: validate passed
// configs that run then refused (api.listen, sockets, alert events) or that
// failed at exec (NUL bytes, a number as the program).
func TestValidateAcceptsWhatRunRejects(t *testing.T) {
	wantRefused(t, []badConfig{
		{"api.listen port above 65535", "version: 1\napi: {listen: \"127.0.0.1:99999\"}\nservices: {a: {command: [./a]}}\n", 2,
			`api.listen: invalid address "127.0.0.1:99999": write host:port with a port of 0-65535`},
		{"api.listen port -1", "version: 1\napi: {listen: \"127.0.0.1:-1\"}\nservices: {a: {command: [./a]}}\n", 2, "api.listen: invalid address"},
		{"sockets listen nonsense", "version: 1\nservices:\n  a:\n    command: [./a]\n    sockets: [{listen: nonsense}]\n", 5,
			`services.a.sockets[0].listen: invalid address "nonsense"`},
		{"unknown alert event", "version: 1\nalerts:\n  - file: {path: a.log}\n    events: [helth, restart]\n", 4,
			`alerts[0].events[0]: "helth" does not alert: did you mean "health"?`},
		{"NUL in command", "version: 1\nservices:\n  a: {command: [./a, \"x\\0y\"]}\n", 3, `services.a.command[1]: holds a NUL byte`},
		{"NUL in env", "version: 1\nservices:\n  a:\n    command: [./a]\n    env: {K: \"v\\0\"}\n", 5, `services.a.env.K: holds a NUL byte`},
		{"NUL in check command", "version: 1\nservices:\n  a:\n    command: [./a]\n    health: {liveness: [{exec: {command: [\"c\\0\"]}}]}\n", 5,
			`services.a.health.liveness[0].exec.command[0]: holds a NUL byte`},
		{"numbers as command", "version: 1\nservices:\n  a: {command: [1, true]}\n", 3,
			`services.a.command[0]: the program "1" is a number, not a program name`},
		{"boolean as lone command", "version: 1\nservices:\n  a:\n    command: true\n", 4, `services.a.command: the program "true" is a boolean`},
		{"number as alert command", "version: 1\nalerts: [{exec: {command: [1.5]}}]\nservices: {a: {command: [./a]}}\n", 2,
			`alerts[0].exec.command[0]: the program "1.5" is a number`},
	})
	t.Run("host checks", func(t *testing.T) {
		dir := t.TempDir()
		file := filepath.Join(dir, "file")
		if err := os.WriteFile(file, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		src := fmt.Sprintf(`version: 1
services:
  missing: {command: [./a], dir: %[1]s/gone}
  file: {command: [./a], dir: %[2]s}
  nouser: {command: [./a], user: vigil-no-such-user}
  nogroup: {command: [./a], group: vigil-no-such-group}
  fine: {command: [./a], dir: %[1]s}
`, dir, file)
		c := parseOK(t, src, nil)
		err := c.CheckHost()
		var es Errors
		if !errors.As(err, &es) {
			t.Fatalf("CheckHost() = %v, want Errors", err)
		}
		for _, want := range []string{
			"vigil.yaml:3: services.missing.dir: working dir " + dir + "/gone does not exist: create it or fix dir:",
			"vigil.yaml:4: services.file.dir: working dir " + file + " is not a directory",
			`vigil.yaml:5: services.nouser.user: user "vigil-no-such-user": `,
			`vigil.yaml:6: services.nogroup.group: group "vigil-no-such-group": `,
		} {
			if !strings.Contains(es.Error(), want) {
				t.Errorf("CheckHost() = %q, want it to contain %q", es.Error(), want)
			}
		}
		if len(es) != 4 {
			t.Errorf("CheckHost() = %d errors, want 4:\n%v", len(es), es)
		}
	})
}
