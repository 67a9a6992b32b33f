package config

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Error is one problem found in a config file, with where it is and what to
// do. The chaos suite's scenario files report their problems with it too.
type Error struct {
	// File is the config file (or, for env_file problems, the env file).
	File string
	// Line and Column are 1-based; 0 when unknown.
	Line, Column int
	// Path is the dotted key path, e.g. services.web.restart.backoff.min or
	// services.web.health.liveness[0].timeout.
	Path string
	// Msg says what is wrong and how to fix it.
	Msg string
}

// Error formats the problem as "file:line: path: message".
func (e Error) Error() string {
	var b strings.Builder
	file := e.File
	if file == "" {
		file = "<config>"
	}
	b.WriteString(file)
	if e.Line > 0 {
		b.WriteString(":")
		b.WriteString(strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found in one config, sorted by file and line.
// Parse and Load return it; callers get it with errors.As.
type Errors []Error

// Error returns one problem per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// errorList collects problems while a config is decoded and validated.
type errorList struct {
	file string
	errs Errors
}

// add records a problem. Every refusal names a line: line 1 when nothing
// better is known (a key that was never written, a hand-built config).
func (l *errorList) add(line, col int, path, format string, args ...any) {
	line = max(line, 1)
	l.errs = append(l.errs, Error{File: l.file, Line: line, Column: col, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// sorted returns the problems ordered by line, the config file's own first.
func (l *errorList) sorted() Errors {
	es := append(Errors(nil), l.errs...)
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if (a.File == l.file) != (b.File == l.file) {
			return a.File == l.file
		}
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	return es
}
