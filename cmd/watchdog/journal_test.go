package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// devIno is f's "DEVICE:INODE", as systemd puts it in JOURNAL_STREAM.
func devIno(t *testing.T, f *os.File) string {
	t.Helper()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	return fmt.Sprintf("%d:%d", st.Dev, st.Ino)
}

// TestJournalLevelsLost pins issue 11 (3): under systemd every line of the
// watchdog's log reached journald as PRIORITY=6, so `journalctl -p warning`
// showed nothing. When the log stream is the one JOURNAL_STREAM names, each
// line starts with its sd-daemon priority; otherwise lines are unchanged.
func TestJournalLevelsLost(t *testing.T) {
	dir := t.TempDir()
	other, err := os.Create(filepath.Join(dir, "other"))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	none := [3]string{}
	for _, format := range []string{"text", "json"} {
		for _, tc := range []struct {
			name   string
			stream func(log *os.File) string
			want   [3]string // prefixes of the info, warn and error lines
		}{
			{"journal", func(log *os.File) string { return devIno(t, log) }, [3]string{"<6>", "<4>", "<3>"}},
			{"no JOURNAL_STREAM", func(*os.File) string { return "" }, none},
			{"redirected elsewhere", func(*os.File) string { return devIno(t, other) }, none},
			{"garbage", func(*os.File) string { return "journal" }, none},
		} {
			t.Run(format+"/"+tc.name, func(t *testing.T) {
				log, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
				if err != nil {
					t.Fatal(err)
				}
				defer log.Close()
				stream := tc.stream(log)
				logger := newLogger(log, format, stream).With("service", "web")
				logger.Debug("dbg") // below the default level: no line
				logger.Info("inf")
				logger.WithGroup("g").Warn("wrn", "k", "v")
				logger.Error("err")
				b, err := os.ReadFile(log.Name())
				if err != nil {
					t.Fatal(err)
				}
				lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
				if len(lines) != 3 {
					t.Fatalf("log = %q, want 3 lines (info, warn, error)", b)
				}
				for i, line := range lines {
					rest, ok := strings.CutPrefix(line, tc.want[i])
					if !ok || strings.HasPrefix(rest, "<") {
						t.Errorf("newLogger(%s, JOURNAL_STREAM=%q): line %q, want prefix %q", format, stream, line, tc.want[i])
					}
				}
			})
		}
	}
}
