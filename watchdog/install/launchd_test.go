package install

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"howett.net/plist"
)

// TestLaunchdPlistKeys parses the rendered plist back with a plist decoder
// and checks every key, its type and its value.
func TestLaunchdPlistKeys(t *testing.T) {
	const cfgPath = "/usr/local/etc/vigil/vigil.yaml"
	tests := []struct {
		name    string
		opts    LaunchdOptions
		logFile string
		exit    uint64
	}{
		{
			name:    "daemon",
			opts:    LaunchdOptions{Options: Options{Binary: "/usr/local/bin/watchdog", ConfigPath: cfgPath, Config: parseConfig(t, cfgDropsPrivileges, cfgPath)}},
			logFile: "/Library/Logs/vigil/watchdog.log",
			exit:    85,
		},
		{
			name: "agent",
			opts: LaunchdOptions{
				Options: Options{Binary: "/usr/local/bin/watchdog", ConfigPath: cfgPath, Config: parseConfig(t, cfgMinimal, cfgPath), User: true, Home: "/Users/alice"},
				Env:     map[string]string{"PATH": "/custom/bin", "RUST_LOG": "info"}, ThrottleInterval: 2 * time.Second, ExitTimeOut: 1500 * time.Millisecond,
			},
			logFile: "/Users/alice/Library/Logs/vigil/watchdog.log",
			exit:    2,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data, err := LaunchdPlist(tc.opts)
			if err != nil {
				t.Fatalf("LaunchdPlist: %v", err)
			}
			if !strings.HasPrefix(string(data), `<?xml version="1.0" encoding="UTF-8"?>`) || !strings.Contains(string(data), "<!DOCTYPE plist") {
				t.Errorf("LaunchdPlist() is not an XML plist:\n%s", data)
			}
			var got map[string]any
			if format, err := plist.Unmarshal(data, &got); err != nil || format != plist.XMLFormat {
				t.Fatalf("plist.Unmarshal = format %d, %v; want XML\n%s", format, err, data)
			}
			env := map[string]any{"PATH": DefaultLaunchdPath, "VIGIL_CONFIG": cfgPath}
			throttle := uint64(5)
			for k, v := range tc.opts.Env {
				env[k] = v
			}
			if tc.opts.ThrottleInterval != 0 {
				throttle = uint64(tc.opts.ThrottleInterval / time.Second)
			}
			want := map[string]any{
				"Label":                Label,
				"ProgramArguments":     []any{"/usr/local/bin/watchdog", "run", "-c", cfgPath},
				"RunAtLoad":            true,
				"KeepAlive":            map[string]any{"SuccessfulExit": false},
				"ThrottleInterval":     throttle,
				"ExitTimeOut":          tc.exit,
				"AbandonProcessGroup":  true,
				"ProcessType":          "Standard",
				"Umask":                uint64(0o027),
				"WorkingDirectory":     "/usr/local/etc/vigil",
				"StandardOutPath":      tc.logFile,
				"StandardErrorPath":    tc.logFile,
				"EnvironmentVariables": env,
			}
			for k, w := range want {
				if g, ok := got[k]; !ok || !reflect.DeepEqual(g, w) {
					t.Errorf("%s = %#v, want %#v", k, g, w)
				}
			}
			for k := range got {
				if _, ok := want[k]; !ok {
					t.Errorf("unexpected key %s = %#v", k, got[k])
				}
			}
		})
	}
}

// TestLaunchdPlistEscapes: XML metacharacters in paths come back intact.
func TestLaunchdPlistEscapes(t *testing.T) {
	const cfgPath = "/opt/a&b <c>/vigil.yaml"
	data, err := LaunchdPlist(LaunchdOptions{Options: Options{Binary: "/opt/a&b <c>/watchdog", ConfigPath: cfgPath, Config: parseConfig(t, cfgMinimal, cfgPath)}})
	if err != nil {
		t.Fatalf("LaunchdPlist: %v", err)
	}
	var got struct{ ProgramArguments []string }
	if _, err := plist.Unmarshal(data, &got); err != nil {
		t.Fatalf("plist.Unmarshal: %v\n%s", err, data)
	}
	want := []string{"/opt/a&b <c>/watchdog", "run", "-c", cfgPath}
	if !reflect.DeepEqual(got.ProgramArguments, want) {
		t.Errorf("ProgramArguments = %q, want %q", got.ProgramArguments, want)
	}
}
