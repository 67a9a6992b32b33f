package alert

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/vigilhq/vigil/watchdog/config"
)

// File appends one JSON line per alert to Path: the critical-alerts log
// people tail. The file is opened for each alert (O_APPEND), so rotating or
// deleting it is safe; a line is one write(2), so lines never interleave.
type File struct {
	// Path is the file to append to; it is created (mode 0640) if missing.
	Path string
	// Sync calls fsync after each line so an alert survives a host crash.
	Sync bool
}

var _ Sink = (*File)(nil)

// NewFile returns a File sink for cfg with Sync on (alerts are rare; losing
// the one that says why the host went down is not an option).
func NewFile(cfg config.FileSink) *File { return &File{Path: cfg.Path, Sync: true} }

// Send appends a as one JSON line.
func (f *File) Send(ctx context.Context, a Alert) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	line, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("encode alert %s: %w", a.Key, err)
	}
	line = append(line, '\n')
	fh, err := os.OpenFile(f.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return fmt.Errorf("open alert file: %w: check that its directory exists and is writable", err)
	}
	if _, err := fh.Write(line); err != nil {
		fh.Close()
		return fmt.Errorf("append to alert file %s: %w", f.Path, err)
	}
	if f.Sync {
		if err := fh.Sync(); err != nil {
			fh.Close()
			return fmt.Errorf("fsync alert file %s: %w", f.Path, err)
		}
	}
	if err := fh.Close(); err != nil {
		return fmt.Errorf("close alert file %s: %w", f.Path, err)
	}
	return nil
}
