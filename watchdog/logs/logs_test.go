package logs

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRotateCopyTruncateKeepsWriter(t *testing.T) {
	dir := t.TempDir()
	path := Path(dir, "svc")
	w, err := Open(path) // as a child holding the file O_APPEND would
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	r := Rotation{MaxSize: 100, MaxFiles: 2}
	for round := 0; round < 4; round++ {
		fmt.Fprintf(w, "%s\n", strings.Repeat(fmt.Sprint(round), 150))
		rotated, err := Rotate(path, r)
		if err != nil || !rotated {
			t.Fatalf("round %d: Rotate() = %v, %v; want rotated", round, rotated, err)
		}
	}
	fmt.Fprintln(w, "after")
	got, _ := os.ReadFile(path)
	if string(got) != "after\n" {
		t.Errorf("live file after rotation = %q, want the writer to continue at its start", got)
	}
	one, _ := os.ReadFile(path + ".1")
	if !strings.HasPrefix(string(one), "333") {
		t.Errorf("%s.1 = %.10q…, want the newest rotated content", path, one)
	}
	if files := Files(path); len(files) != 3 { // live + max_files
		t.Errorf("Files() = %v, want the live file and 2 rotated", files)
	}
	if _, err := os.Stat(filepath.Join(dir, "svc.log.3")); !os.IsNotExist(err) {
		t.Errorf("svc.log.3 exists, want at most max_files=2 rotated files")
	}
}

func TestTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.log")
	var b strings.Builder
	for i := 1; i <= 500; i++ {
		fmt.Fprintf(&b, "line %d\n", i)
	}
	_ = os.WriteFile(path, []byte(b.String()), 0o644)
	got, err := Tail(path, 3)
	if err != nil || strings.Join(got, ",") != "line 498,line 499,line 500" {
		t.Fatalf("Tail(3) = %v, %v", got, err)
	}
}

// TestTailLineOverOneMiB pins issue 10 item 15: one line over 1 MiB made
// Tail (and `watchdog logs`) fail with "bufio.Scanner: token too long".
func TestTailLineOverOneMiB(t *testing.T) {
	path := filepath.Join(t.TempDir(), "svc.log")
	long := strings.Repeat("x", MaxLine+5000)
	if err := os.WriteFile(path, []byte("before\n"+long+"\nafter\r\n\nlast"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := Tail(path, 10)
	if err != nil {
		t.Fatalf("Tail() error = %v, want the lines", err)
	}
	want := []string{"before", strings.Repeat("x", MaxLine) + " [line truncated: 5000 more bytes]", "after", "", "last"}
	if len(got) != len(want) {
		t.Fatalf("Tail() = %d lines, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Tail() line %d = %.60q… (%d bytes), want %.60q… (%d bytes)", i, got[i], len(got[i]), want[i], len(want[i]))
		}
	}
}
