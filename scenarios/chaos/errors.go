package chaos

import (
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Error is one problem in a scenario file, with where it was written.
type Error struct {
	File string // "" when parsed from bytes
	Line int    // 0 when the key is missing (then the parent's line)
	Path string // dotted YAML path, e.g. faults[1].at
	Msg  string
}

// Error formats the problem as "file:line: path: message".
func (e Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File + ":")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "%d:", e.Line)
	}
	if b.Len() > 0 {
		b.WriteString(" ")
	}
	if e.Path != "" {
		b.WriteString(e.Path + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found in one file, ordered by line.
type Errors []Error

// Error returns one problem per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// positions maps dotted YAML paths to the line they were written on.
type positions map[string]int

// index records the line of every key and list item under n.
func index(n *yaml.Node) positions {
	p := positions{}
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, path)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i].Value
				if path != "" {
					k = path + "." + k
				}
				p[k] = n.Content[i].Line
				walk(n.Content[i+1], k)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				k := fmt.Sprintf("%s[%d]", path, i)
				p[k] = c.Line
				walk(c, k)
			}
		}
	}
	walk(n, "")
	return p
}

// line returns where path (or its closest written parent) is.
func (p positions) line(path string) int {
	for path != "" {
		if l, ok := p[path]; ok {
			return l
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return 0
}

// problems collects validation errors for one file.
type problems struct {
	file string
	pos  positions
	errs Errors
}

func (p *problems) add(path, format string, args ...any) {
	p.errs = append(p.errs, Error{File: p.file, Line: p.pos.line(path), Path: path, Msg: fmt.Sprintf(format, args...)})
}

// err returns the problems sorted by line, or nil.
func (p *problems) err() error {
	if len(p.errs) == 0 {
		return nil
	}
	sort.SliceStable(p.errs, func(i, j int) bool { return p.errs[i].Line < p.errs[j].Line })
	return p.errs
}
