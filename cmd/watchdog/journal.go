package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"syscall"
)

// newLogger is the watchdog's own logger, writing text or JSON to w. When w
// is the journal stream systemd names in journalStream ($JOURNAL_STREAM),
// each line starts with its sd-daemon priority so journald stores the level
// (`journalctl -p warning`) instead of PRIORITY=6 for everything.
func newLogger(w io.Writer, format, journalStream string) *slog.Logger {
	var out io.Writer = w
	var sink *prioritySink
	if f, ok := w.(*os.File); ok && isJournal(f, journalStream) {
		sink = &prioritySink{out: w}
		out = sink
	}
	var h slog.Handler = slog.NewTextHandler(out, nil)
	if format == "json" {
		h = slog.NewJSONHandler(out, nil)
	}
	if sink != nil {
		h = priorityHandler{inner: h, sink: sink}
	}
	return slog.New(h)
}

// isJournal reports whether f is the stream journalStream ("DEVICE:INODE",
// see systemd.exec(5)) names. A mismatch means the output was redirected
// since systemd set the variable (`watchdog run 2>file` in a unit's shell).
func isJournal(f *os.File, journalStream string) bool {
	var dev, ino uint64
	if n, err := fmt.Sscanf(journalStream, "%d:%d", &dev, &ino); err != nil || n != 2 {
		return false
	}
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && uint64(st.Dev) == dev && st.Ino == ino
}

// priority is the sd-daemon(3) prefix for a level.
func priority(l slog.Level) string {
	switch {
	case l >= slog.LevelError:
		return "<3>"
	case l >= slog.LevelWarn:
		return "<4>"
	case l >= slog.LevelInfo:
		return "<6>"
	}
	return "<7>"
}

// prioritySink collects one record's line behind its prefix, then writes it
// to out in one call. Every handler derived from one priorityHandler shares
// it; mu serialises them.
type prioritySink struct {
	mu  sync.Mutex
	buf bytes.Buffer
	out io.Writer
}

// Write is called by the inner handler, inside priorityHandler.Handle.
func (s *prioritySink) Write(p []byte) (int, error) { return s.buf.Write(p) }

// priorityHandler prefixes each record its inner handler formats with the
// record's sd-daemon priority.
type priorityHandler struct {
	inner slog.Handler // writes to sink
	sink  *prioritySink
}

var _ slog.Handler = priorityHandler{}

func (h priorityHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

func (h priorityHandler) Handle(ctx context.Context, r slog.Record) error {
	h.sink.mu.Lock()
	defer h.sink.mu.Unlock()
	h.sink.buf.Reset()
	h.sink.buf.WriteString(priority(r.Level))
	if err := h.inner.Handle(ctx, r); err != nil {
		return err
	}
	_, err := h.sink.out.Write(h.sink.buf.Bytes())
	return err
}

func (h priorityHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return priorityHandler{inner: h.inner.WithAttrs(as), sink: h.sink}
}

func (h priorityHandler) WithGroup(name string) slog.Handler {
	return priorityHandler{inner: h.inner.WithGroup(name), sink: h.sink}
}
