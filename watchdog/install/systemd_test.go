package install

import (
	"strings"
	"testing"
	"time"

	"github.com/vigilhq/vigil/watchdog/config"
)

// Configs the unit tests render; paths are absolute and need not exist
// (systemd-analyze checks only that ExecStart's binary does).
const (
	cfgMinimal = `version: 1
services:
  web:
    command: [/usr/bin/python3, -m, http.server, "8080"]
    ports: [8080]
`
	cfgLowPorts = `version: 1
api:
  listen: 127.0.0.1:90
services:
  web:
    command: [/usr/sbin/nginx]
    ports: [80, 443]
`
	cfgSockets = `version: 1
services:
  web:
    command: [/srv/web/web]
    user: nobody
    sockets:
      - {listen: ":443", name: https}
`
	cfgKillHolder = `version: 1
services:
  web:
    command: [/srv/web/web]
    ports: [8080]
    port_conflict: kill-holder
`
	cfgDropsPrivileges = `version: 1
logs: {dir: /var/log/vigil}
api: {socket: /run/vigil/vigil.sock, state_file: /var/lib/vigil/state/vigil.state}
alerts:
  - file: {path: /var/log/vigil/alerts/alerts.jsonl}
services:
  db:
    command: [/srv/db/db]
    user: nobody
    stop: {timeout: 40s}
  api:
    command: [/srv/api/api]
    group: nogroup
    depends_on: {db: healthy}
    stop: {timeout: 20s}
`
)

// trueBin is a binary that exists on every Debian host: verify insists
// ExecStart's does.
const trueBin = "/bin/true"

func parseConfig(t *testing.T, yaml, path string) *config.Config {
	t.Helper()
	cfg, err := config.Parse([]byte(yaml), path)
	if err != nil {
		t.Fatalf("config.Parse: %v", err)
	}
	return cfg
}

// directives parses a unit into "Section.Key" → values in order.
func directives(unit string) map[string][]string {
	out := map[string][]string{}
	section := ""
	for _, line := range strings.Split(unit, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			section = strings.Trim(line, "[]")
		default:
			k, v, _ := strings.Cut(line, "=")
			out[section+"."+k] = append(out[section+"."+k], v)
		}
	}
	return out
}

type systemdCase struct {
	name    string
	yaml    string
	cfgPath string
	user    bool
	runAs   string
	extra   []string
	want    map[string]string // "Section.Key" → the one value it must have ("" = absent)
	// maxExposure bounds systemd-analyze security's overall level; 0 means
	// not asserted (user units cannot use the mount-namespace sandbox).
	maxExposure float64
}

var systemdCases = []systemdCase{
	{
		name: "minimal", yaml: cfgMinimal, cfgPath: "/etc/vigil/vigil.yaml",
		want: map[string]string{
			"Unit.StartLimitBurst":           "5",
			"Unit.StartLimitIntervalSec":     "60s",
			"Service.Type":                   "notify",
			"Service.NotifyAccess":           "main",
			"Service.ExecStart":              trueBin + " run -c /etc/vigil/vigil.yaml",
			"Service.ExecReload":             "/bin/kill -HUP $MAINPID",
			"Service.WorkingDirectory":       "/etc/vigil",
			"Service.Restart":                "always",
			"Service.RestartSec":             "1s",
			"Service.WatchdogSec":            "10s",
			"Service.TimeoutStopSec":         "30s",
			"Service.KillMode":               "process",
			"Service.UMask":                  "0027",
			"Service.CapabilityBoundingSet":  "",
			"Service.ProtectSystem":          "strict",
			"Service.ReadWritePaths":         "/etc/vigil/logs /etc/vigil/run",
			"Service.ProtectHome":            "yes",
			"Service.MemoryDenyWriteExecute": "yes",
			"Install.WantedBy":               "multi-user.target",
		},
		maxExposure: 2.0,
	},
	{
		name: "privileged ports", yaml: cfgLowPorts, cfgPath: "/etc/vigil/vigil.yaml",
		want:        map[string]string{"Service.CapabilityBoundingSet": "CAP_NET_BIND_SERVICE"},
		maxExposure: 2.0,
	},
	{
		name: "sockets", yaml: cfgSockets, cfgPath: "/etc/vigil/vigil.yaml",
		want: map[string]string{"Service.CapabilityBoundingSet": "CAP_KILL CAP_NET_BIND_SERVICE CAP_SETGID CAP_SETUID CAP_SYS_PTRACE"},
		// Everything a supervisor can need, as root: measured 2.6.
		maxExposure: 2.6,
	},
	{
		name: "kill-holder", yaml: cfgKillHolder, cfgPath: "/etc/vigil/vigil.yaml",
		want: map[string]string{"Service.CapabilityBoundingSet": "CAP_KILL CAP_SYS_PTRACE"},
		// CAP_SYS_PTRACE (to find a holder owned by another user) costs
		// 0.3 on its own: measured 2.3.
		maxExposure: 2.3,
	},
	{
		name: "drops privileges", yaml: cfgDropsPrivileges, cfgPath: "/etc/vigil/vigil.yaml",
		extra: []string{"/srv/db/data", "/srv/db/data/wal"},
		want: map[string]string{
			"Service.CapabilityBoundingSet": "CAP_KILL CAP_SETGID CAP_SETUID",
			"Service.ReadWritePaths":        "/run/vigil /srv/db/data /var/lib/vigil/state /var/log/vigil",
			"Service.TimeoutStopSec":        "85s", // db 40s+5s after api 20s+5s, +15s
		},
		// As root, CAP_SETUID/CAP_SETGID alone cost 0.3: measured 2.3.
		maxExposure: 2.3,
	},
	{
		name: "drops privileges, watchdog as a system user", yaml: cfgDropsPrivileges, cfgPath: "/etc/vigil/vigil.yaml", runAs: "vigil",
		extra: []string{"/srv/db/data"},
		want: map[string]string{
			"Service.User":                  "vigil",
			"Service.AmbientCapabilities":   "CAP_KILL CAP_SETGID CAP_SETUID",
			"Service.CapabilityBoundingSet": "CAP_KILL CAP_SETGID CAP_SETUID",
		},
		maxExposure: 2.0,
	},
	{
		name: "kill-holder, watchdog as a system user", yaml: cfgKillHolder, cfgPath: "/etc/vigil/vigil.yaml", runAs: "vigil",
		want:        map[string]string{"Service.AmbientCapabilities": "CAP_KILL CAP_SYS_PTRACE"},
		maxExposure: 2.0,
	},
	{
		name: "sockets, watchdog as a system user", yaml: cfgSockets, cfgPath: "/etc/vigil/vigil.yaml", runAs: "vigil",
		want: map[string]string{"Service.User": "vigil"},
		// Every capability a supervisor can need: measured 2.4 (2.6 as root).
		maxExposure: 2.4,
	},
	{
		name: "config under /home", yaml: cfgMinimal, cfgPath: "/home/alice/vigil/vigil.yaml",
		want: map[string]string{
			"Service.ProtectHome":    "read-only",
			"Service.ReadWritePaths": "/home/alice/vigil/logs /home/alice/vigil/run",
		},
		maxExposure: 2.0,
	},
	{
		name: "user", yaml: cfgMinimal, cfgPath: "/home/alice/vigil/vigil.yaml", user: true,
		want: map[string]string{
			"Unit.After":                    "",
			"Service.Type":                  "notify",
			"Service.KillMode":              "process",
			"Service.NoNewPrivileges":       "yes",
			"Service.CapabilityBoundingSet": "",
			"Service.ProtectSystem":         "",
			"Service.ProtectHome":           "",
			"Service.PrivateTmp":            "",
			"Service.ReadWritePaths":        "",
			"Install.WantedBy":              "default.target",
		},
	},
}

// TestSystemdUnitPassesAnalyze renders each case, checks its directives, and
// has the real systemd-analyze verify it and measure its exposure.
func TestSystemdUnitPassesAnalyze(t *testing.T) {
	a := requireAnalyze(t)
	for _, tc := range systemdCases {
		t.Run(tc.name, func(t *testing.T) {
			opts := SystemdOptions{
				Options:        Options{Binary: trueBin, ConfigPath: tc.cfgPath, Config: parseConfig(t, tc.yaml, tc.cfgPath), User: tc.user, Home: "/home/alice"},
				ReadWritePaths: tc.extra,
				RunAs:          tc.runAs,
			}
			unit, err := SystemdUnit(opts)
			if err != nil {
				t.Fatalf("SystemdUnit: %v", err)
			}
			got := directives(unit)
			for key, want := range tc.want {
				switch vals := got[key]; {
				case want == "" && len(vals) > 0 && vals[0] != "":
					t.Errorf("%s = %q, want it absent or empty", key, vals)
				case want != "" && (len(vals) != 1 || vals[0] != want):
					t.Errorf("%s = %q, want %q", key, vals, want)
				}
			}
			path := writeUnit(t, unit)
			a.verify(t, path, tc.user)
			level, report := a.exposure(t, path)
			t.Logf("systemd-analyze security: overall exposure %.1f (%s)", level, tc.name)
			if tc.maxExposure > 0 && level > tc.maxExposure {
				t.Errorf("overall exposure %.1f, want <= %.1f\n%s\n%s", level, tc.maxExposure, unit, report)
			}
			if t.Failed() {
				t.Logf("unit:\n%s", unit)
			}
		})
	}
}

// TestSystemdUnitQuotesPaths: spaces, % and $ in paths survive systemd's
// word splitting, specifier and variable expansion.
func TestSystemdUnitQuotesPaths(t *testing.T) {
	a := requireAnalyze(t)
	cfgPath := "/etc/vigil 100%/$HOME/vigil.yaml"
	unit, err := SystemdUnit(SystemdOptions{Options: Options{Binary: trueBin, ConfigPath: cfgPath, Config: parseConfig(t, cfgMinimal, cfgPath)}})
	if err != nil {
		t.Fatalf("SystemdUnit: %v", err)
	}
	got := directives(unit)
	wantExec := trueBin + ` run -c "/etc/vigil 100%%/$$HOME/vigil.yaml"`
	if g := got["Service.ExecStart"]; len(g) != 1 || g[0] != wantExec {
		t.Errorf("ExecStart = %q, want %q", g, wantExec)
	}
	wantRW := `"/etc/vigil 100%%/$HOME/logs" "/etc/vigil 100%%/$HOME/run"`
	if g := got["Service.ReadWritePaths"]; len(g) != 1 || g[0] != wantRW {
		t.Errorf("ReadWritePaths = %q, want %q", g, wantRW)
	}
	a.verify(t, writeUnit(t, unit), false)
}

func TestStopBudget(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want time.Duration
	}{
		{"one default service is under the floor", cfgMinimal, minStopTimeout},
		{"chain adds up", cfgDropsPrivileges, 40*time.Second + 20*time.Second + 2*killGrace + stopMargin},
		{"parallel branches take the longest", `version: 1
services:
  a: {command: [/bin/a], stop: {timeout: 50s}}
  b: {command: [/bin/b], stop: {timeout: 70s}}
`, 70*time.Second + killGrace + stopMargin},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := stopBudget(parseConfig(t, tc.yaml, "/etc/vigil/vigil.yaml")); got != tc.want {
				t.Errorf("stopBudget() = %s, want %s", got, tc.want)
			}
		})
	}
}
