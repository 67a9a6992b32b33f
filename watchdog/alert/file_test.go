package alert

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigilhq/vigil/watchdog"
	"github.com/vigilhq/vigil/watchdog/config"
)

func testAlert(svc string) Alert {
	a := Alert{
		Key: svc + "/health", Kind: watchdog.EventHealth, Severity: watchdog.SeverityCritical, Service: svc,
		Event: healthEv(svc, watchdog.HealthUnhealthy), Time: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC), Host: "h1",
	}
	a.Text = render(a, 0)
	return a
}

// readLines parses a JSON-lines file into generic maps, to check field names
// as receivers see them.
func readLines(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q is not JSON: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

func TestFileAppendsJSONLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "critical.jsonl")
	if err := os.WriteFile(path, []byte(`{"text":"earlier line"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := NewFile(config.FileSink{Path: path})
	for _, svc := range []string{"api", "db"} {
		if err := f.Send(context.Background(), testAlert(svc)); err != nil {
			t.Fatalf("Send(%s) = %v, want nil", svc, err)
		}
	}
	lines := readLines(t, path)
	if len(lines) != 3 {
		t.Fatalf("file has %d lines, want 3 (one kept, two appended)", len(lines))
	}
	for i, svc := range []string{"api", "db"} {
		m := lines[i+1]
		if m["service"] != svc || m["key"] != svc+"/health" || m["kind"] != "health" || m["severity"] != "critical" {
			t.Errorf("line %d = %v, want service %s, key, kind and severity set", i+1, m, svc)
		}
		if text, _ := m["text"].(string); !strings.Contains(text, svc+" is unhealthy") {
			t.Errorf("line %d text = %q, want it to say %s is unhealthy", i+1, text, svc)
		}
	}
}

func TestFileMissingDirSaysWhatToDo(t *testing.T) {
	f := NewFile(config.FileSink{Path: filepath.Join(t.TempDir(), "missing", "a.jsonl")})
	err := f.Send(context.Background(), testAlert("api"))
	if err == nil || !strings.Contains(err.Error(), "directory exists") {
		t.Fatalf("Send to a missing directory = %v, want an error telling to create the directory", err)
	}
}
