package watchdog_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigilhq/vigil/faults/runtest"
	"github.com/vigilhq/vigil/watchdog"
	"github.com/vigilhq/vigil/watchdog/proc/proctest"
)

// TestEnvFileValuesStayPrivate: the service gets env_file values; status,
// events and the watchdog's own log never show them.
func TestEnvFileValuesStayPrivate(t *testing.T) {
	dir := t.TempDir()
	const secret = "hunter2-very-secret-value"
	envFile := filepath.Join(dir, "app.env")
	if err := os.WriteFile(envFile, []byte("API_KEY="+secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var logBuf proctest.Buffer
	cfg := parseConfig(t, dir, fmt.Sprintf(`  app:
    command: %s
    env: {VIGIL_HELPER: exit}
    env_file: %s
    restart: {backoff: {min: 10ms, max: 20ms}}
`, helperCmd(t, "7", "20ms"), envFile))
	sup, err := watchdog.New(cfg, watchdog.Options{Logger: slog.New(slog.NewJSONHandler(&logBuf, nil))})
	if err != nil {
		t.Fatal(err)
	}
	var evBuf proctest.Buffer
	sup.Events().Subscribe(func(ev watchdog.Event) { _ = json.NewEncoder(&evBuf).Encode(ev) })
	stop := runtest.Start(t, sup.Run, 30*time.Second)
	var environ string
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && !strings.Contains(environ, secret) {
		if st := sup.Status(); len(st.Services) == 1 && st.Services[0].PID != 0 {
			b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/environ", st.Services[0].PID))
			environ = string(b)
		}
		time.Sleep(2 * time.Millisecond)
	}
	status, _ := json.Marshal(sup.Status())
	stop()
	if !strings.Contains(environ, "API_KEY="+secret) {
		t.Fatal("the service never received API_KEY from env_file")
	}
	for what, text := range map[string]string{"status": string(status), "events": evBuf.String(), "watchdog log": logBuf.String()} {
		if strings.Contains(text, secret) {
			t.Errorf("%s contains the env_file value", what)
		}
	}
}

// TestUserDropsPrivileges runs a service as nobody when the watchdog is root.
func TestUserDropsPrivileges(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to switch users")
	}
	h := startHarness(t, `  low:
    command: ["sleep", "60"]
    user: nobody
    dir: /
`)
	ev := h.waitStarted("low", 10*time.Second)
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", ev.PID))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "Uid:") {
			if f := strings.Fields(line); len(f) < 2 || f[1] != "65534" {
				t.Fatalf("service %s, want uid 65534 (nobody)", line)
			}
			return
		}
	}
	t.Fatal("no Uid line")
}
