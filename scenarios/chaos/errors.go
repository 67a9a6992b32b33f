package chaos

import (
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/vigilhq/vigil/watchdog/config"
)

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

// problems collects validation errors for one file as config.Errors, the
// one type for a problem at a line of a YAML file.
type problems struct {
	file string
	pos  positions
	errs config.Errors
}

func (p *problems) add(path, format string, args ...any) {
	p.errs = append(p.errs, config.Error{File: p.file, Line: p.pos.line(path), Path: path, Msg: fmt.Sprintf(format, args...)})
}

// err returns the problems sorted by line, or nil.
func (p *problems) err() error {
	if len(p.errs) == 0 {
		return nil
	}
	sort.SliceStable(p.errs, func(i, j int) bool { return p.errs[i].Line < p.errs[j].Line })
	return p.errs
}
