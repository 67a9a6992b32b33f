package install

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestInstallUninstall writes each kind of unit under a temp prefix, checks
// the file, its mode, the directories made writable and the printed next
// steps, then removes it (twice: the second is a no-op).
func TestInstallUninstall(t *testing.T) {
	const cfgPath = "/etc/vigil/vigil.yaml"
	tests := []struct {
		name     string
		unit     func(prefix string, out *bytes.Buffer) Unit
		path     string   // under the prefix
		dirs     []string // under the prefix
		next     string
		removed  string
		wantLink bool
	}{
		{
			name: "systemd",
			unit: func(prefix string, out *bytes.Buffer) Unit {
				return &SystemdOptions{Options: Options{Binary: trueBin, ConfigPath: cfgPath, Config: parseConfig(t, cfgDropsPrivileges, cfgPath), Prefix: prefix, Out: out}}
			},
			path:     "/etc/systemd/system/vigil.service",
			dirs:     []string{"/var/log/vigil", "/run/vigil", "/var/lib/vigil/state"},
			next:     "systemctl daemon-reload && systemctl enable --now vigil",
			removed:  "systemctl stop vigil && systemctl daemon-reload",
			wantLink: true,
		},
		{
			name: "systemd user",
			unit: func(prefix string, out *bytes.Buffer) Unit {
				return &SystemdOptions{Options: Options{Binary: trueBin, ConfigPath: "/home/alice/v/vigil.yaml", Config: parseConfig(t, cfgMinimal, "/home/alice/v/vigil.yaml"), User: true, Home: "/home/alice", Prefix: prefix, Out: out}}
			},
			path:     "/home/alice/.config/systemd/user/vigil.service",
			dirs:     []string{"/home/alice/v/logs", "/home/alice/v/run"},
			next:     "systemctl --user daemon-reload && systemctl --user enable --now vigil",
			removed:  "systemctl --user stop vigil",
			wantLink: true,
		},
		{
			name: "launchd daemon",
			unit: func(prefix string, out *bytes.Buffer) Unit {
				return &LaunchdOptions{Options: Options{Binary: trueBin, ConfigPath: cfgPath, Config: parseConfig(t, cfgMinimal, cfgPath), Prefix: prefix, Out: out}}
			},
			path:    "/Library/LaunchDaemons/com.vigilhq.vigil.plist",
			dirs:    []string{"/Library/Logs/vigil"},
			next:    "sudo launchctl bootstrap system /Library/LaunchDaemons/com.vigilhq.vigil.plist",
			removed: "sudo launchctl bootout system/com.vigilhq.vigil",
		},
		{
			name: "launchd agent",
			unit: func(prefix string, out *bytes.Buffer) Unit {
				return &LaunchdOptions{Options: Options{Binary: trueBin, ConfigPath: cfgPath, Config: parseConfig(t, cfgMinimal, cfgPath), User: true, Home: "/Users/alice", Prefix: prefix, Out: out}}
			},
			path:    "/Users/alice/Library/LaunchAgents/com.vigilhq.vigil.plist",
			dirs:    []string{"/Users/alice/Library/Logs/vigil"},
			next:    "launchctl bootstrap gui/$(id -u) /Users/alice/Library/LaunchAgents/com.vigilhq.vigil.plist",
			removed: "launchctl bootout gui/$(id -u)/com.vigilhq.vigil",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prefix := t.TempDir()
			var out bytes.Buffer
			u := tc.unit(prefix, &out)
			path, err := Install(u)
			if err != nil {
				t.Fatalf("Install: %v", err)
			}
			if want := filepath.Join(prefix, tc.path); path != want {
				t.Errorf("Install() = %s, want %s", path, want)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatalf("installed file: %v", err)
			}
			if fi.Mode().Perm() != 0o644 {
				t.Errorf("mode = %v, want 0644", fi.Mode().Perm())
			}
			got, _ := os.ReadFile(path)
			want, err := u.Render()
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("installed file differs from Render() (err %v):\n%s\nwant\n%s", err, got, want)
			}
			for _, d := range tc.dirs {
				if fi, err := os.Stat(filepath.Join(prefix, d)); err != nil || !fi.IsDir() {
					t.Errorf("writable dir %s not created: %v", d, err)
				}
			}
			if !strings.Contains(out.String(), tc.next) {
				t.Errorf("Install printed %q, want it to contain %q", out.String(), tc.next)
			}

			link := filepath.Join(filepath.Dir(path), "multi-user.target.wants", "vigil.service")
			if strings.Contains(tc.name, "user") {
				link = filepath.Join(filepath.Dir(path), "default.target.wants", "vigil.service")
			}
			if tc.wantLink { // what `systemctl enable` would have made
				if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(path, link); err != nil {
					t.Fatal(err)
				}
			}
			out.Reset()
			if _, err := Uninstall(u); err != nil {
				t.Fatalf("Uninstall: %v", err)
			}
			for _, p := range []string{path, link} {
				if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("%s still there after Uninstall: %v", p, err)
				}
			}
			if !strings.Contains(out.String(), tc.removed) {
				t.Errorf("Uninstall printed %q, want it to contain %q", out.String(), tc.removed)
			}
			out.Reset()
			if _, err := Uninstall(u); err != nil || !strings.Contains(out.String(), "nothing to remove") {
				t.Errorf("second Uninstall = %v, printed %q; want nil and \"nothing to remove\"", err, out.String())
			}
		})
	}
}

// TestRenderErrors: bad options are refused with a message that says what to do.
func TestRenderErrors(t *testing.T) {
	const cfgPath = "/etc/vigil/vigil.yaml"
	valid := func() Options {
		return Options{Binary: trueBin, ConfigPath: cfgPath, Config: parseConfig(t, cfgMinimal, cfgPath)}
	}
	inTmp := valid()
	inTmp.ConfigPath, inTmp.Config = "/tmp/x/vigil.yaml", parseConfig(t, cfgMinimal, "/tmp/x/vigil.yaml")
	tests := []struct {
		name string
		unit Unit
		want string
	}{
		{"relative binary", &SystemdOptions{Options: Options{Binary: "bin/watchdog", ConfigPath: cfgPath}}, "not absolute"},
		{"no config", &SystemdOptions{Options: Options{Binary: trueBin}}, "pass -c"},
		{"config not found", &SystemdOptions{Options: Options{Binary: trueBin, ConfigPath: "/nonexistent/vigil.yaml"}}, "install needs a valid config"},
		{"config under /tmp", &SystemdOptions{Options: inTmp}, "PrivateTmp=yes"},
		{"relative read-write path", &SystemdOptions{Options: valid(), ReadWritePaths: []string{"data"}}, "not absolute"},
		{"bad capability", &SystemdOptions{Options: valid(), Capabilities: []string{"net_raw"}}, "CAP_NET_RAW"},
		{"watchdog too short", &SystemdOptions{Options: valid(), WatchdogSec: time.Millisecond}, "at least 1s"},
		{"launchd relative binary", &LaunchdOptions{Options: Options{Binary: "watchdog", ConfigPath: cfgPath}}, "not absolute"},
		{"launchd relative log dir", &LaunchdOptions{Options: valid(), LogDir: "logs"}, "not absolute"},
		{"launchd throttle under a second", &LaunchdOptions{Options: valid(), ThrottleInterval: time.Millisecond}, "at least 1s"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.unit.Render()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Render() error = %v, want one containing %q", err, tc.want)
			}
			tc.unit.options().Prefix = t.TempDir() // never the real /etc, even if Render regresses
			if _, err := Install(tc.unit); err == nil {
				t.Errorf("Install() = nil error, want one")
			}
		})
	}
}

// TestInstallDryRunWritesNothing: the unit is printed, no file or directory appears.
func TestInstallDryRunWritesNothing(t *testing.T) {
	const cfgPath = "/etc/vigil/vigil.yaml"
	prefix := t.TempDir()
	var out bytes.Buffer
	u := &SystemdOptions{Options: Options{Binary: trueBin, ConfigPath: cfgPath, Config: parseConfig(t, cfgMinimal, cfgPath), Prefix: prefix, DryRun: true, Out: &out}}
	if _, err := Install(u); err != nil {
		t.Fatalf("Install: %v", err)
	}
	if !strings.Contains(out.String(), "KillMode=process") || !strings.Contains(out.String(), "dry run") {
		t.Errorf("dry run printed %q, want the unit", out.String())
	}
	ents, err := os.ReadDir(prefix)
	if err != nil || len(ents) != 0 {
		t.Errorf("dry run left %v in the prefix (err %v), want nothing", ents, err)
	}
}

// TestInstallLoadsConfigFile: with Config nil the file at ConfigPath is
// loaded, and its (relative) paths become the unit's writable paths.
func TestInstallLoadsConfigFile(t *testing.T) {
	a := requireAnalyze(t)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "vigil.yaml")
	yaml := "version: 1\nlogs: {dir: var/logs}\nservices:\n  web: {command: [/bin/sleep, \"1000\"]}\n"
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	// A --user unit: the temp dir lives under /tmp, which a system unit's
	// PrivateTmp=yes would hide (TestSystemdUnitErrors).
	unit, err := SystemdUnit(SystemdOptions{Options: Options{Binary: trueBin, ConfigPath: cfgPath, User: true, Home: dir}})
	if err != nil {
		t.Fatalf("SystemdUnit: %v", err)
	}
	if d := directives(unit); d["Service.WorkingDirectory"][0] != dir {
		t.Errorf("WorkingDirectory = %q, want %s", d["Service.WorkingDirectory"], dir)
	}
	a.verify(t, writeUnit(t, unit), true)

	prefix := t.TempDir()
	_, err = Install(&SystemdOptions{Options: Options{Binary: trueBin, ConfigPath: cfgPath, User: true, Home: dir, Prefix: prefix}})
	if err != nil {
		t.Fatalf("Install: %v", err)
	}
	if _, err := os.Stat(filepath.Join(prefix, dir, "var", "logs")); err != nil {
		t.Errorf("logs dir from the loaded config not created: %v", err)
	}
}

// TestAnalyzeRejectsBrokenUnits proves the systemd-analyze checks can fail:
// an unknown directive, a missing binary and a wide-open unit are caught.
func TestAnalyzeRejectsBrokenUnits(t *testing.T) {
	a := requireAnalyze(t)
	unit, err := SystemdUnit(SystemdOptions{Options: Options{Binary: trueBin, ConfigPath: "/etc/vigil/vigil.yaml", Config: parseConfig(t, cfgMinimal, "/etc/vigil/vigil.yaml")}})
	if err != nil {
		t.Fatal(err)
	}
	for name, broken := range map[string]string{
		"unknown directive": strings.Replace(unit, "KillMode=process", "KillMode=process\nKilMode=process", 1),
		"missing binary":    strings.Replace(unit, "ExecStart="+trueBin, "ExecStart=/nonexistent/watchdog", 1),
	} {
		if out, err := a.run(t, false, "verify", "--man=no", writeUnit(t, broken)); err == nil && out == "" {
			t.Errorf("%s: systemd-analyze verify accepted it", name)
		}
	}
	open := "[Service]\nExecStart=" + trueBin + "\n"
	if level, _ := a.exposure(t, writeUnit(t, open)); level <= 2.0 {
		t.Errorf("an unhardened unit measured %.1f, want > 2.0", level)
	}
}
