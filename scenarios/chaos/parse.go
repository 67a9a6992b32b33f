package chaos

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/vigilhq/vigil/watchdog/config"
)

// LoadFile reads and validates the scenario file at path.
func LoadFile(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read scenario: %w", err)
	}
	return Parse(data, path)
}

// LoadAll loads every file in paths; a directory stands for its *.yaml
// files. It reports every file's problems and refuses duplicate names.
func LoadAll(paths []string) ([]*Scenario, error) {
	files, err := expand(paths)
	if err != nil {
		return nil, err
	}
	var (
		out   []*Scenario
		errs  []error
		names = map[string]string{}
	)
	for _, f := range files {
		s, err := LoadFile(f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if prev, dup := names[s.Name]; dup {
			errs = append(errs, fmt.Errorf("%s: scenario name %q is already used by %s: names must be unique in a run", f, s.Name, prev))
			continue
		}
		names[s.Name] = f
		out = append(out, s)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(out) == 0 {
		return nil, errors.New("no scenario files given: pass FILE… or a directory such as scenarios/library")
	}
	return out, nil
}

// expand replaces directories by their *.yaml files, sorted.
func expand(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("scenario path: %w", err)
		}
		if !fi.IsDir() {
			out = append(out, p)
			continue
		}
		m, err := filepath.Glob(filepath.Join(p, "*.yaml"))
		if err != nil {
			return nil, err
		}
		sort.Strings(m)
		out = append(out, m...)
	}
	return out, nil
}

// yamlLine matches the "line N: " prefix of yaml.v3 errors.
var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// Parse decodes data strictly (unknown keys are errors), applies defaults
// and validates. file names the source in errors. A non-nil error is a
// config.Errors listing every problem with its line.
func Parse(data []byte, file string) (*Scenario, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlErrors(file, err)
	}
	if root.Kind == 0 || len(root.Content) == 0 {
		return nil, config.Errors{{File: file, Msg: "empty scenario file: start from one in scenarios/library"}}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var s Scenario
	if err := dec.Decode(&s); err != nil {
		return nil, yamlErrors(file, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, config.Errors{{File: file, Line: extra.Line, Msg: "more than one YAML document: write one scenario per file"}}
	}
	s.Path = file
	p := &problems{file: file, pos: index(&root)}
	s.defaults()
	s.validate(p)
	if err := p.err(); err != nil {
		return nil, err
	}
	return &s, nil
}

// yamlErrors turns yaml.v3's errors into config.Errors with lines.
func yamlErrors(file string, err error) error {
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	out := make(config.Errors, 0, len(msgs))
	for _, m := range msgs {
		e := config.Error{File: file, Msg: strings.TrimPrefix(m, "yaml: ")}
		if sm := yamlLine.FindStringSubmatch(m); sm != nil {
			e.Line, _ = strconv.Atoi(sm[1])
			e.Msg = sm[2]
		}
		if strings.Contains(e.Msg, "not found in type") {
			e.Msg += ": see docs/scenarios.md for the keys a scenario may use"
		}
		out = append(out, e)
	}
	return out
}
