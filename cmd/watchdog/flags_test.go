package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vigilhq/vigil/faults/porttest"
	"github.com/vigilhq/vigil/watchdog/api"
)

// TestFlagsAfterServiceName pins issue 10 item 15: `watchdog stop web
// --socket X` was a usage error; flags now go anywhere.
func TestFlagsAfterServiceName(t *testing.T) {
	dir := t.TempDir()
	port := porttest.Free(t)
	sock := filepath.Join(dir, "run", "vigil.sock")
	cfgPath := writeWebConfig(t, dir, "  socket: "+sock+"\n", port, "")
	client := api.NewSocketClient(sock)
	defer client.Close()
	wd := startWatchdog(t, cfgPath)
	st := waitHealthy(t, client, 15*time.Second).Services[0]
	t.Cleanup(func() { _ = syscall.Kill(-st.PGID, syscall.SIGKILL) })
	for _, tc := range []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"stop", "web", "--socket", sock}, exitOK, "web: stopped"},
		{[]string{"start", "web", "-c", "/nonexistent.yaml", "--socket", sock}, exitOK, "web: "},
		{[]string{"restart", "--socket", sock, "web"}, exitOK, "web: "},
		{[]string{"logs", "web", "-n", "1", "--socket=" + sock}, exitOK, ""},
		{[]string{"reload", "--socket", sock, "-c", cfgPath}, exitOK, "reloaded"},
		{[]string{"stop", "web", "extra", "--socket", sock}, exitUsage, "usage: watchdog stop"},
		{[]string{"stop", "web", "--nope"}, exitUsage, "flag provided but not defined: -nope"},
		{[]string{"stop", "--socket", sock, "--", "-web"}, exitError, `unknown service "-web"`},
	} {
		var out bytes.Buffer
		if code := dispatch(tc.args, &out, &out); code != tc.code || !strings.Contains(out.String(), tc.out) {
			t.Errorf("watchdog %v = %d %q, want %d containing %q", tc.args, code, out.String(), tc.code, tc.out)
		}
	}
	if err := wd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := wd.Wait(); err != nil {
		t.Fatalf("watchdog exit after SIGTERM: %v, want 0", err)
	}
}
