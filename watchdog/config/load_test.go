package config

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// minimal is the smallest useful vigil.yaml, exactly as documented.
const minimal = `version: 1
api:
  listen: 127.0.0.1:9090        # read-only: /health, /metrics, /v1/...
  socket: ./run/vigil.sock       # control: start/stop/restart/reload/logs (mode 0600)
services:
  web:
    command: ["./bin/web", "-port", "8080"]
    ports: [8080]
    health:
      liveness:
        - http: {url: "http://127.0.0.1:8080/health"}
          interval: 1s
          timeout: 500ms
          failures: 3
`

func TestLoadMinimal(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "vigil.yaml")
	if err := os.WriteFile(path, []byte(minimal), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatalf("Load(%s) error:\n%v", path, err)
	}
	web := c.Services["web"]
	if web == nil {
		t.Fatalf("Load() services = %v, want web", c.Order)
	}
	ck := web.Health.Liveness[0]
	got := map[string]any{
		"version":              c.Version,
		"order":                strings.Join(c.Order, ","),
		"api.listen":           c.API.Listen,
		"api.socket":           c.API.Socket,
		"api.state_file":       c.API.StateFile,
		"logs.dir":             c.Logs.Dir,
		"logs.max_size":        c.Logs.Rotation.MaxSize,
		"logs.max_files":       c.Logs.Rotation.MaxFiles,
		"web.name":             web.Name,
		"web.line":             web.Line,
		"web.command":          strings.Join(web.Command, " "),
		"web.dir":              web.Dir,
		"web.critical":         web.IsCritical(),
		"web.ports":            web.Ports[0],
		"web.restart.policy":   web.Restart.Policy,
		"web.backoff.min":      web.Restart.Backoff.Min,
		"web.backoff.max":      web.Restart.Backoff.Max,
		"web.backoff.mult":     web.Restart.Backoff.Multiplier,
		"web.backoff.jitter":   web.Restart.Backoff.Jitter,
		"web.reset_after":      web.Restart.ResetAfter,
		"web.limit.burst":      web.Restart.Limit.Burst,
		"web.limit.interval":   web.Restart.Limit.Interval,
		"web.limit.cooldown":   web.Restart.Limit.Cooldown,
		"web.stop.signal":      web.Stop.Signal,
		"web.stop.timeout":     web.Stop.Timeout,
		"web.port_conflict":    web.PortConflict,
		"web.logs.max_size":    web.Logs.MaxSize,
		"web.logs.max_files":   web.Logs.MaxFiles,
		"check.name":           ck.Name,
		"check.line":           ck.Line,
		"check.kind":           ck.Kind(),
		"check.url":            ck.HTTP.URL,
		"check.method":         ck.HTTP.Method,
		"check.interval":       ck.Interval,
		"check.timeout":        ck.Timeout,
		"check.failures":       ck.Failures,
		"check.successes":      ck.Successes,
		"check.critical":       ck.IsCritical(),
		"web.secret_env_empty": len(web.SecretEnv) == 0,
	}
	want := map[string]any{
		"version":              1,
		"order":                "web",
		"api.listen":           "127.0.0.1:9090",
		"api.socket":           filepath.Join(dir, "run/vigil.sock"),
		"api.state_file":       filepath.Join(dir, "run/vigil.state"),
		"logs.dir":             filepath.Join(dir, "logs"),
		"logs.max_size":        ByteSize(10 << 20),
		"logs.max_files":       5,
		"web.name":             "web",
		"web.line":             6,
		"web.command":          "./bin/web -port 8080",
		"web.dir":              dir,
		"web.critical":         true,
		"web.ports":            8080,
		"web.restart.policy":   RestartAlways,
		"web.backoff.min":      100 * time.Millisecond,
		"web.backoff.max":      30 * time.Second,
		"web.backoff.mult":     2.0,
		"web.backoff.jitter":   0.2,
		"web.reset_after":      10 * time.Second,
		"web.limit.burst":      10,
		"web.limit.interval":   60 * time.Second,
		"web.limit.cooldown":   5 * time.Minute,
		"web.stop.signal":      "SIGTERM",
		"web.stop.timeout":     10 * time.Second,
		"web.port_conflict":    PortWait,
		"web.logs.max_size":    ByteSize(10 << 20),
		"web.logs.max_files":   5,
		"check.name":           "http",
		"check.line":           11,
		"check.kind":           "http",
		"check.url":            "http://127.0.0.1:8080/health",
		"check.method":         "GET",
		"check.interval":       time.Second,
		"check.timeout":        500 * time.Millisecond,
		"check.failures":       3,
		"check.successes":      1,
		"check.critical":       true,
		"web.secret_env_empty": true,
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("Load(minimal) %s = %v (%T), want %v (%T)", k, got[k], got[k], w, w)
		}
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate() on a loaded config = %v, want nil", err)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Load(missing) = %v, want fs.ErrNotExist", err)
	}
}

func TestDefaults(t *testing.T) {
	c := parseOK(t, `version: 1
logs:
  dir: /var/log/vigil
  max_size: 1MiB
  max_age: 24h
services:
  api:
    command: [./api]
    stop: {signal: int}
    logs: {max_files: 2}
    restart:
      backoff: {min: 0, jitter: 0}
    health:
      liveness:
        - http: {url: "http://127.0.0.1:1/"}
        - tcp: {address: "127.0.0.1:1"}
      readiness:
        - http: {url: "http://127.0.0.1:1/deep", method: HEAD}
        - name: mine
          process:
        - postgres: {dsn: "postgres://127.0.0.1/x"}
alerts:
  - webhook: {url: "http://127.0.0.1:1/hook"}
  - file: {path: alerts.jsonl}
  - file: {path: /tmp/other.jsonl}
    repeat: 0s
`, nil)
	s := c.Services["api"]
	var names []string
	for _, ck := range s.checks() {
		names = append(names, ck.Name)
	}
	wd, _ := os.Getwd()
	tests := []struct {
		what string
		got  any
		want any
	}{
		{"logs.dir", c.Logs.Dir, "/var/log/vigil"},
		{"api.socket", c.API.Socket, filepath.Join(wd, "run/vigil.sock")},
		{"service logs max_size (inherited)", s.Logs.MaxSize, ByteSize(1 << 20)},
		{"service logs max_files (own)", s.Logs.MaxFiles, 2},
		{"service logs max_age (inherited)", s.Logs.MaxAge, 24 * time.Hour},
		{"stop.signal normalised", s.Stop.Signal, "SIGINT"},
		{"explicit backoff.min 0 kept", s.Restart.Backoff.Min, time.Duration(0)},
		{"explicit jitter 0 kept", s.Restart.Backoff.Jitter, 0.0},
		{"backoff.max default", s.Restart.Backoff.Max, 30 * time.Second},
		{"check names", strings.Join(names, ","), "http-1,tcp,http-2,mine,postgres"},
		{"check interval default", s.Health.Readiness[0].Interval, 10 * time.Second},
		{"check timeout default", s.Health.Readiness[0].Timeout, time.Second},
		{"explicit method kept", s.Health.Readiness[0].HTTP.Method, "HEAD"},
		{"null kind selects it", s.Health.Readiness[1].Kind(), "process"},
		{"postgres query default", s.Health.Readiness[2].Postgres.Query, "SELECT 1"},
		{"webhook timeout", c.Alerts[0].Webhook.Timeout, 5 * time.Second},
		{"webhook queue", c.Alerts[0].Webhook.Queue, 100},
		{"alert repeat", c.Alerts[0].Repeat, 30 * time.Minute},
		{"alert repeat 0 keeps default", c.Alerts[2].Repeat, 30 * time.Minute},
		{"alert names", c.Alerts[0].Name + "," + c.Alerts[1].Name + "," + c.Alerts[2].Name, "webhook,file-1,file-2"},
		{"file alert path absolute", c.Alerts[1].File.Path, filepath.Join(wd, "alerts.jsonl")},
		{"alert line", c.Alerts[1].Line, 24},
		{"SignalNum", int(s.Stop.SignalNum()), 2},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("Parse() %s = %v, want %v", tc.what, tc.got, tc.want)
		}
	}
}

// TestPathsRelativeToConfigFile pins that relative paths follow the config
// file, not the working directory the watchdog was started from.
func TestPathsRelativeToConfigFile(t *testing.T) {
	dir := t.TempDir()
	src := `version: 1
api: {socket: sock/v.sock, state_file: state/v.state}
logs: {dir: ../shared-logs}
services:
  a: {command: [./a], dir: sub}
  b: {command: [/bin/true], dir: /srv/b}
`
	c, err := ParseWithEnv([]byte(src), filepath.Join(dir, "conf", "vigil.yaml"), env{}.lookup)
	if err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "conf")
	for _, tc := range []struct{ what, got, want string }{
		{"api.socket", c.API.Socket, filepath.Join(conf, "sock/v.sock")},
		{"api.state_file", c.API.StateFile, filepath.Join(conf, "state/v.state")},
		{"logs.dir", c.Logs.Dir, filepath.Join(dir, "shared-logs")},
		{"a.dir", c.Services["a"].Dir, filepath.Join(conf, "sub")},
		{"a.command[0]", c.Services["a"].Command[0], "./a"},
		{"b.dir", c.Services["b"].Dir, "/srv/b"},
	} {
		if tc.got != tc.want {
			t.Errorf("Parse() %s = %q, want %q", tc.what, tc.got, tc.want)
		}
	}
}

func TestAnchorsAndMergeKeys(t *testing.T) {
	c := parseOK(t, `version: 1
x-restart: &restart
  policy: on-failure
  backoff: {min: 1s}
services:
  a:
    command: [./a]
    restart: *restart
  b:
    command: [./b]
    restart:
      <<: *restart
      policy: never
`, nil)
	a, b := c.Services["a"].Restart, c.Services["b"].Restart
	if a.Policy != RestartOnFailure || a.Backoff.Min != time.Second {
		t.Errorf("alias: restart = %+v, want on-failure with min 1s", a)
	}
	if b.Policy != RestartNever || b.Backoff.Min != time.Second {
		t.Errorf("merge: restart = %+v, want never with min 1s", b)
	}
}

// TestSecretEnvNotInJSON pins that API output built by encoding the config
// cannot carry env_file values.
func TestSecretEnvNotInJSON(t *testing.T) {
	s := &Service{Name: "web", SecretEnv: map[string]string{"TOKEN": "s3cr3t-t0ken"}}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "s3cr3t") {
		t.Errorf("json.Marshal(service) = %s, want no SecretEnv value", b)
	}
}
