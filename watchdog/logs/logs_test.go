package logs

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigilhq/vigil/watchdog/tmpfstest"
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
		out, err := Rotate(path, r)
		if err != nil || !out.Rotated {
			t.Fatalf("round %d: Rotate() = %+v, %v; want rotated", round, out, err)
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

// TestRotationFreesSpaceWhenDiskFull pins issue 10 defect 10: on a full
// disk copy-then-truncate stopped at ENOSPC and never truncated, so a log
// stayed at 2.0 MB against max_size 512KiB. A real 1 MiB tmpfs, partly held
// by another file, cannot take the copy.
func TestRotationFreesSpaceWhenDiskFull(t *testing.T) {
	const kib = 1 << 10
	for _, tc := range []struct {
		name        string
		other, live int   // KiB held by an unrelated file, KiB in the live log
		rotated     []int // KiB in svc.log.1, .2, …
		wantDropped []string
		wantKept    string // rotated file holding the live content after, or ""
	}{
		// Dropping the oldest rotated file makes room for the copy.
		{name: "drops oldest rotated", live: 400, rotated: []int{250, 300}, wantDropped: []string{"svc.log.2"}, wantKept: "svc.log.1"},
		// Nothing left to drop: the live content goes, the bound holds.
		{name: "truncates without copy", other: 500, live: 400, wantDropped: []string{"svc.log (409600 bytes, not copied)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := tmpfstest.Mount(t, "1m")
			path := Path(dir, "svc")
			write := func(p string, n int) {
				if n == 0 {
					return
				}
				if err := os.WriteFile(p, []byte(strings.Repeat("x", n*kib-1)+"\n"), 0o640); err != nil {
					t.Fatalf("setup %s: %v", p, err)
				}
			}
			write(filepath.Join(dir, "other"), tc.other)
			for i, n := range tc.rotated {
				write(fmt.Sprintf("%s.%d", path, i+1), n)
			}
			write(path, tc.live)
			r := Rotation{MaxSize: 256 * kib, MaxFiles: 2}

			out, err := Rotate(path, r)
			if err != nil {
				t.Fatalf("Rotate() error = %v, want the space freed", err)
			}
			var dropped []string
			for _, d := range out.Dropped {
				dropped = append(dropped, strings.TrimPrefix(d, dir+"/"))
			}
			if fmt.Sprint(dropped) != fmt.Sprint(tc.wantDropped) || out.Cause == nil {
				t.Errorf("Rotate() dropped %q (cause %v), want %q because of ENOSPC", dropped, out.Cause, tc.wantDropped)
			}
			var total int64
			for _, f := range Files(path) {
				if st, err := os.Stat(f); err == nil {
					total += st.Size()
				}
			}
			if st, _ := os.Stat(path); st.Size() > r.MaxSize || total > r.MaxSize*int64(r.MaxFiles+1) {
				t.Errorf("after Rotate: live %d bytes, all files %d bytes; want ≤ max_size %d and ≤ max_size×(max_files+1) %d",
					st.Size(), total, r.MaxSize, r.MaxSize*int64(r.MaxFiles+1))
			}
			if tc.wantKept != "" {
				if st, err := os.Stat(filepath.Join(dir, tc.wantKept)); err != nil || st.Size() != int64(tc.live*kib) {
					t.Errorf("%s after Rotate: %v, %v; want the %d KiB of the live log", tc.wantKept, st, err, tc.live)
				}
			}
		})
	}
}
