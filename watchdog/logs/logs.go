// Package logs owns per-service log files. A service writes straight into its
// file (opened O_APPEND and passed as stdout/stderr), not through a pipe to
// the watchdog: output costs the watchdog nothing, and a service keeps
// logging — and is not killed by SIGPIPE — while the watchdog itself restarts.
// Rotation is therefore copy-then-truncate, checked by size on a timer.
package logs

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Rotation bounds one log file. Zero fields mean: MaxSize 10 MiB, MaxFiles 5,
// MaxAge unlimited.
type Rotation struct {
	MaxSize  int64
	MaxFiles int
	MaxAge   time.Duration
}

// Path returns the log file of service name in dir.
func Path(dir, name string) string { return filepath.Join(dir, name+".log") }

// Open opens (creating) the log file for appending. The caller passes it to
// the child and closes its own copy after the child has started.
func Open(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("log dir: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	return f, nil
}

// Outcome says what Rotate did: whether it rotated, and what it deleted
// beyond the usual max_files/max_age pruning to do so.
type Outcome struct {
	Rotated bool
	// Dropped names each file (or content) Rotate gave up because the copy
	// failed, typically with ENOSPC, oldest first; Cause is that failure.
	Dropped []string
	Cause   error
}

// Rotate rotates path when it is larger than r.MaxSize: the content is copied
// to path.1 (older files shift to .2, .3, …), then path is truncated in place
// so writers holding it O_APPEND continue at its start. Files beyond MaxFiles
// or older than MaxAge are removed.
//
// The bound max_size × (max_files+1) holds even when the copy fails (a full
// disk): Rotate deletes the oldest rotated files one by one and retries, and
// when none is left it truncates path without a copy. Outcome.Dropped lists
// what was lost; the caller logs it.
func Rotate(path string, r Rotation) (Outcome, error) {
	if r.MaxSize <= 0 {
		r.MaxSize = 10 << 20
	}
	if r.MaxFiles <= 0 {
		r.MaxFiles = 5
	}
	st, err := os.Stat(path)
	if err != nil || st.Size() <= r.MaxSize {
		return Outcome{}, prune(path, r)
	}
	for i := r.MaxFiles - 1; i >= 1; i-- {
		_ = os.Rename(fmt.Sprintf("%s.%d", path, i), fmt.Sprintf("%s.%d", path, i+1))
	}
	out := Outcome{Rotated: true}
	for err := copyFile(path, path+".1"); err != nil; err = copyFile(path, path+".1") {
		out.Cause = err
		_ = os.Remove(path + ".1") // the partial copy holds space, and only the head of the log
		oldest := oldestRotated(path)
		if oldest == "" {
			out.Dropped = append(out.Dropped, fmt.Sprintf("%s (%d bytes, not copied)", path, st.Size()))
			break
		}
		if err := os.Remove(oldest); err != nil {
			return out, fmt.Errorf("rotate %s: %w; and removing %s to make room: %v", path, out.Cause, oldest, err)
		}
		out.Dropped = append(out.Dropped, oldest)
	}
	if err := os.Truncate(path, 0); err != nil {
		return out, fmt.Errorf("truncate %s: %w", path, err)
	}
	return out, prune(path, r)
}

// oldestRotated returns the highest-numbered rotated file of path, or "".
func oldestRotated(path string) string {
	files := Files(path)
	if len(files) < 2 {
		return ""
	}
	return files[len(files)-1]
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o640)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("rotate %s: %w", src, err)
	}
	return out.Close()
}

// prune removes rotated files past MaxFiles or older than MaxAge.
func prune(path string, r Rotation) error {
	matches, _ := filepath.Glob(path + ".*")
	for _, m := range matches {
		n, err := strconv.Atoi(strings.TrimPrefix(m, path+"."))
		if err != nil {
			continue
		}
		st, err := os.Stat(m)
		if err != nil {
			continue
		}
		if n > r.MaxFiles || (r.MaxAge > 0 && time.Since(st.ModTime()) > r.MaxAge) {
			if err := os.Remove(m); err != nil {
				return err
			}
		}
	}
	return nil
}

// MaxLine is the longest line Tail returns whole; the rest of a longer line
// is dropped and replaced by a marker saying how much was.
const MaxLine = 1 << 20

// Tail returns the last n lines of path (n <= 0: 100).
func Tail(path string, n int) ([]string, error) {
	if n <= 0 {
		n = 100
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// Read at most the last 4 MiB: enough for any sane n.
	const window = 4 << 20
	if st, err := f.Stat(); err == nil && st.Size() > window {
		if _, err := f.Seek(st.Size()-window, io.SeekStart); err != nil {
			return nil, err
		}
	}
	br := bufio.NewReaderSize(f, 64<<10)
	var ring []string
	for {
		line, err := readLine(br)
		if line != nil {
			ring = append(ring, string(line))
			if len(ring) > n {
				ring = ring[1:]
			}
		}
		if err == io.EOF {
			return ring, nil
		}
		if err != nil {
			return ring, err
		}
	}
}

// readLine returns the next line without its newline, cut to MaxLine bytes
// plus a marker; nil at the end of the input.
func readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	dropped := 0
	for {
		chunk, err := br.ReadSlice('\n')
		if err == nil {
			chunk = bytes.TrimSuffix(bytes.TrimSuffix(chunk, []byte("\n")), []byte("\r"))
		}
		keep := min(len(chunk), MaxLine-len(line))
		line = append(line, chunk[:keep]...)
		dropped += len(chunk) - keep
		if err == bufio.ErrBufferFull {
			continue
		}
		if dropped > 0 {
			line = fmt.Appendf(line, " [line truncated: %d more bytes]", dropped)
		}
		if err == io.EOF && line == nil {
			return nil, io.EOF
		}
		if line == nil {
			line = []byte{}
		}
		return line, err
	}
}

// Files lists path and its rotated siblings, newest first.
func Files(path string) []string {
	matches, _ := filepath.Glob(path + ".*")
	sort.Slice(matches, func(i, j int) bool {
		a, _ := strconv.Atoi(strings.TrimPrefix(matches[i], path+"."))
		b, _ := strconv.Atoi(strings.TrimPrefix(matches[j], path+"."))
		return a < b
	})
	return append([]string{path}, matches...)
}
