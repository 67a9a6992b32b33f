package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vigilhq/vigil/faults/porttest"
	"github.com/vigilhq/vigil/watchdog/config"
)

// TestExecCheckOutputRedactsEnvSecrets: exec checks that print the service's
// env and env_file values (one failing, one passing) — no view of the
// watchdog shows them: /health, /v1/services and /v1/events on the
// unauthenticated api.listen, `status` and `status --json`, the watchdog's
// log and the alert file.
func TestExecCheckOutputRedactsEnvSecrets(t *testing.T) {
	const envSecret, fileSecret = "tok-env-5ecret-value", "tok-file-5ecret-value"
	listen := fmt.Sprintf("127.0.0.1:%d", porttest.Free(t))
	dir, cfgPath, _ := writeConfig(t, listen, fmt.Sprintf(`alerts:
  - file: {path: "{dir}/alerts.jsonl"}
services:
  app:
    command: ["sleep", "60"]
    env: {SECRET_TOKEN: %s}
    env_file: "{dir}/app.env"
    health:
      readiness:
        - name: leaky
          exec: {command: ["/bin/sh", "-c", "echo token=$SECRET_TOKEN file=$FILE_SECRET; exit 1"]}
          interval: 300ms
          timeout: 250ms
          failures: 1
        - name: chatty
          critical: false
          exec: {command: ["/bin/sh", "-c", "echo token=$SECRET_TOKEN file=$FILE_SECRET"]}
          interval: 300ms
          timeout: 250ms
`, envSecret))
	if err := os.WriteFile(filepath.Join(dir, "app.env"), []byte("FILE_SECRET="+fileSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	w := startWatchdog(t, cfgPath)
	t.Cleanup(func() { _ = w.Process.Kill() })

	get := func(path string) string {
		t.Helper()
		resp, err := http.Get("http://" + listen + path)
		if err != nil {
			return ""
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	// Both checks have run, and the failure has become an event.
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(get("/v1/events?limit=1000"), "readiness failing") ||
		!strings.Contains(get("/v1/services"), `"detail": "exit 0`) {
		if time.Now().After(deadline) {
			t.Fatalf("checks never reported: %s", get("/v1/services"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	views := map[string]string{
		"GET /health":      get("/health"),
		"GET /v1/services": get("/v1/services"),
		"GET /v1/events":   get("/v1/events?limit=1000"),
	}
	for _, args := range [][]string{{"status"}, {"status", "--json"}} {
		var out bytes.Buffer
		dispatch(append(args, "--socket", filepath.Join(dir, "run", "vigil.sock")), &out, &out)
		views["watchdog "+strings.Join(args, " ")] = out.String()
	}
	if err := w.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := w.Wait(); err != nil {
		t.Fatalf("watchdog exit after SIGTERM: %v, want 0", err)
	}
	views["watchdog log"] = w.Stderr.(fmt.Stringer).String()
	alerts, _ := os.ReadFile(filepath.Join(dir, "alerts.jsonl"))
	views["alert file"] = string(alerts)

	for what, text := range views {
		for _, secret := range []string{envSecret, fileSecret} {
			if strings.Contains(text, secret) {
				t.Errorf("%s shows %q:\n%s", what, secret, text)
			}
		}
	}
	if !strings.Contains(views["GET /v1/services"], "token="+config.Redacted+" file="+config.Redacted) {
		t.Errorf("GET /v1/services = %s, want the check output with both values %s", views["GET /v1/services"], config.Redacted)
	}
}
