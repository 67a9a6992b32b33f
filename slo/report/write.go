package report

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// File names WriteAll writes.
const (
	JSONFile     = "report.json"
	MarkdownFile = "report.md"
	HTMLFile     = "report.html"
	JUnitFile    = "junit.xml"
)

// WriteAll writes report.json, report.md, report.html and junit.xml into
// dir, creating it if needed. Each file is written whole or not at all.
func WriteAll(dir string, r Report) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create report dir: %w", err)
	}
	for _, f := range []struct {
		name  string
		write func(io.Writer, Report) error
	}{
		{JSONFile, WriteJSON}, {MarkdownFile, WriteMarkdown}, {HTMLFile, WriteHTML}, {JUnitFile, WriteJUnit},
	} {
		var buf bytes.Buffer
		if err := f.write(&buf, r); err != nil {
			return fmt.Errorf("render %s: %w", f.name, err)
		}
		path := filepath.Join(dir, f.name)
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		if err := os.Rename(tmp, path); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	return nil
}
