package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Load reads, expands, defaults and validates the config file at path, using
// the watchdog's own environment for ${VAR}. Problems in the file come back as
// Errors (use errors.As); a file that cannot be read comes back wrapped, so
// errors.Is(err, fs.ErrNotExist) works.
func Load(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w: pass the path of vigil.yaml", err)
	}
	defer f.Close()
	// One byte past the limit is enough for ParseWithEnv to refuse the file.
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read config: %w: pass the path of vigil.yaml", err)
	}
	return ParseWithEnv(data, path, os.LookupEnv)
}

// Parse is Load for bytes already read; filename is used in error messages
// and to resolve relative paths ("" means the working directory).
func Parse(data []byte, filename string) (*Config, error) {
	return ParseWithEnv(data, filename, os.LookupEnv)
}

// ParseWithEnv is Parse with ${VAR} looked up through lookup instead of the
// process environment. env_file paths are still read from disk.
func ParseWithEnv(data []byte, filename string, lookup LookupFunc) (*Config, error) {
	errs := &errorList{file: filename}
	if len(data) > maxFileSize {
		errs.add(1, 1, "", "the file is larger than %s, the limit for vigil.yaml: remove unused x- blocks and comments, or split the services across several watchdogs", ByteSize(maxFileSize))
		return nil, errs.sorted()
	}
	root := parseYAML(data, errs)
	if root == nil {
		return nil, errs.sorted()
	}
	d := newDecoder(errs, lookup)
	c := &Config{Path: filename}
	d.decode(root, reflect.ValueOf(c).Elem(), "")
	if d.budget < 0 {
		return nil, errs.sorted() // the tree was cut short; validating it would mislead
	}
	c.Order, c.pos = d.keys["services"], d.pos
	for name, s := range c.Services {
		s.Name = name
		s.Line = d.pos["services."+name].Line
	}
	applyDefaults(c, func(p string) bool { return !d.present(p) })
	resolvePaths(c, baseDir(filename))
	v := newValidator(errs, d.pos, d.failed)
	v.loadEnvFiles(c)
	v.config(c)
	if len(errs.errs) > 0 {
		return nil, errs.sorted()
	}
	return c, nil
}

// Validate checks a config that already has its defaults (Parse calls it).
// Lines come from Service.Line, Check.Line and Alert.Line.
func (c *Config) Validate() error {
	errs := &errorList{file: c.Path}
	newValidator(errs, c.positions(), nil).config(c)
	if len(errs.errs) > 0 {
		return errs.sorted()
	}
	return nil
}

// CheckHost checks what only the host the watchdog runs on can tell: that
// every service's dir is a directory, and that its user and group exist.
// `watchdog validate` calls it after Load, since it runs on the target host;
// `watchdog run` finds the same problems when it starts the service.
func (c *Config) CheckHost() error {
	errs := &errorList{file: c.Path}
	v := newValidator(errs, c.positions(), nil)
	for _, name := range c.serviceNames() {
		v.host("services."+name, c.Services[name])
	}
	if len(errs.errs) > 0 {
		return errs.sorted()
	}
	return nil
}

// positions returns where keys were written: as parsed, or for a config
// built in Go from Service.Line, Check.Line and Alert.Line.
func (c *Config) positions() map[string]position {
	if c.pos != nil {
		return c.pos
	}
	pos := map[string]position{}
	for name, s := range c.Services {
		p := "services." + name
		pos[p] = position{Line: s.Line}
		for i, ck := range s.Health.Liveness {
			pos[fmt.Sprintf("%s.health.liveness[%d]", p, i)] = position{Line: ck.Line}
		}
		for i, ck := range s.Health.Readiness {
			pos[fmt.Sprintf("%s.health.readiness[%d]", p, i)] = position{Line: ck.Line}
		}
	}
	for i, a := range c.Alerts {
		pos[fmt.Sprintf("alerts[%d]", i)] = position{Line: a.Line}
	}
	return pos
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseYAML returns the top-level mapping of the single document in data, or
// nil after recording why there is none.
func parseYAML(data []byte, errs *errorList) (root *yaml.Node) {
	defer func() {
		if r := recover(); r != nil { // the YAML library must not take the watchdog down
			errs.add(1, 0, "", "the YAML parser failed on this file (%v): check its syntax", r)
			root = nil
		}
	}()
	if !checkText(data, errs) {
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			errs.add(1, 1, "", `the file is empty: start with "version: 1" and a services: mapping`)
		} else {
			syntaxError(err, data, errs)
		}
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		errs.add(extra.Line, extra.Column, "", "a second YAML document starts here: vigil.yaml holds exactly one (remove the ---)")
		return nil
	} else if !errors.Is(err, io.EOF) {
		syntaxError(err, data, errs)
		return nil
	}
	root = &doc
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		root = doc.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		errs.add(root.Line, root.Column, "", "the top level must be a mapping with version, api, logs, alerts and services keys, got %s", describe(root))
		return nil
	}
	return root
}

// parserErrors are yaml.v3 messages reported at the line before the
// collection they are about (a known off-by-one in yaml.v3's parser errors).
var parserErrors = []string{
	"did not find expected ',' or '}'",
	"did not find expected ',' or ']'",
	"did not find expected key",
	"did not find expected '-' indicator",
	"did not find expected node content",
}

// syntaxError reports a yaml.v3 error at its line. yaml.v3 leaves the line
// out of errors on the first line and of some others; those are placed by
// what they name, else at line 1.
func syntaxError(err error, data []byte, errs *errorList) {
	m := yamlLine.FindStringSubmatch(err.Error())
	if m == nil {
		line, text := unplaced(data, strings.TrimPrefix(err.Error(), "yaml: "))
		errs.add(line, 0, "", "%s", text)
		return
	}
	line, _ := strconv.Atoi(m[1])
	if slices.Contains(parserErrors, m[2]) {
		errs.add(line+1, 0, "", "YAML syntax: %s in the mapping or list that starts on this line: check its brackets and indentation", m[2])
		return
	}
	errs.add(line, 0, "", "YAML syntax: %s", m[2])
}

// serviceNames returns service names in file order (sorted when the config
// was built in Go without Order).
func (c *Config) serviceNames() []string {
	if len(c.Order) == len(c.Services) {
		return c.Order
	}
	names := make([]string, 0, len(c.Services))
	for n := range c.Services {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
