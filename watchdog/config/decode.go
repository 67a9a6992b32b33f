package config

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// maxMergeDepth bounds nested "<<" merge keys.
const maxMergeDepth = 8

var (
	durationType    = reflect.TypeFor[time.Duration]()
	unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()
)

// position is where a key (or list item) was written.
type position struct {
	Line, Column int
	// Raw is the scalar as written, before ${VAR} expansion; "" for collections.
	Raw string
	// Null is true for "key:" with no value, which counts as absent.
	Null bool
	// Tag is the scalar's YAML type (!!str, !!int, ...); "" for collections.
	Tag string
}

// decoder walks a yaml.Node tree into Go values, reporting every problem
// instead of stopping at the first, and remembering where each key was.
type decoder struct {
	errs   *errorList
	lookup LookupFunc
	pos    map[string]position // dotted path -> where it was written
	keys   map[string][]string // path of a Go map -> its keys in file order
	fields map[reflect.Type]fieldSet
	active map[*yaml.Node]bool // anchors being decoded, to refuse alias cycles
	budget int
	// failed lists paths whose value could not be decoded, so validation
	// does not report the same problem again as "missing" or "out of range".
	failed []string
}

func newDecoder(errs *errorList, lookup LookupFunc) *decoder {
	return &decoder{
		errs:   errs,
		lookup: lookup,
		pos:    map[string]position{},
		keys:   map[string][]string{},
		fields: map[reflect.Type]fieldSet{},
		active: map[*yaml.Node]bool{},
		budget: nodeBudget,
	}
}

// present reports whether path was written with a non-null value.
func (d *decoder) present(path string) bool {
	p, ok := d.pos[path]
	return ok && !p.Null
}

// fail reports a value that could not be decoded.
func (d *decoder) fail(n *yaml.Node, path, format string, args ...any) {
	d.failed = append(d.failed, path)
	d.errs.add(n.Line, n.Column, path, format, args...)
}

// failKey reports a bad key; the rest of the mapping is still checked.
func (d *decoder) failKey(n *yaml.Node, path, format string, args ...any) {
	d.errs.add(n.Line, n.Column, path, format, args...)
}

// decode stores n into v; path names v for error messages.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	if !d.spend(1, n, path) {
		return
	}
	if n.Kind == yaml.AliasNode {
		d.alias(n, v, path)
		return
	}
	if v.Kind() == reflect.Pointer {
		// "process:" with nothing after it still selects the kind.
		if isNull(n) && v.Type().Elem().Kind() != reflect.Struct {
			return
		}
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		if !isNull(n) {
			d.decode(n, v.Elem(), path)
		}
		return
	}
	if isNull(n) {
		return
	}
	switch {
	case reflect.PointerTo(v.Type()).Implements(unmarshalerType):
		d.unmarshaler(n, v, path)
	case v.Type() == durationType:
		d.duration(n, v, path)
	case v.Kind() == reflect.Struct:
		d.structure(n, v, path)
	case v.Kind() == reflect.Map:
		d.mapping(n, v, path)
	case v.Kind() == reflect.Slice:
		d.sequence(n, v, path)
	case v.Kind() == reflect.String:
		d.str(n, v, path)
	default:
		d.number(n, v, path)
	}
}

// spend takes cost from the node budget, reporting once when it runs out.
func (d *decoder) spend(cost int, n *yaml.Node, path string) bool {
	if d.budget < 0 {
		return false
	}
	d.budget -= cost
	if d.budget < 0 {
		d.fail(n, path, "document too large (more than %d YAML nodes once aliases and merges are expanded): use fewer aliases", nodeBudget)
		return false
	}
	return true
}

func (d *decoder) alias(n *yaml.Node, v reflect.Value, path string) {
	if n.Alias == nil {
		d.fail(n, path, "alias *%s has no anchor: define &%s before using it", n.Value, n.Value)
		return
	}
	if d.active[n.Alias] {
		d.fail(n, path, "alias *%s is inside its own anchor: YAML cycles are not allowed", n.Value)
		return
	}
	d.active[n.Alias] = true
	d.decode(n.Alias, v, path)
	delete(d.active, n.Alias)
}

// structure decodes a mapping into a struct, refusing unknown keys.
func (d *decoder) structure(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.typeError(n, path, "a mapping of key: value lines")
		return
	}
	fs := d.fieldsOf(v.Type())
	seen := map[string]int{}
	for _, p := range d.pairs(n, path, 0) {
		key, ok := d.key(p, path, seen)
		if !ok {
			continue
		}
		if strings.HasPrefix(key, "x-") {
			continue // extension keys hold anchors for reuse; vigil ignores them
		}
		idx, ok := fs.index[key]
		if !ok {
			d.failKey(p.key, path, "unknown key %q: %s", key, didYouMean(key, fs.names))
			continue
		}
		sub := join(path, key)
		d.record(sub, p.key, p.val)
		d.decode(p.val, v.FieldByIndex(idx), sub)
	}
	if f, ok := v.Type().FieldByName("Line"); ok && f.Tag.Get("yaml") == "-" && f.Type.Kind() == reflect.Int {
		v.FieldByIndex(f.Index).SetInt(int64(n.Line))
	}
}

// mapping decodes a mapping into a Go map with string keys.
func (d *decoder) mapping(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.typeError(n, path, "a mapping of name: value lines")
		return
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	seen := map[string]int{}
	for _, p := range d.pairs(n, path, 0) {
		key, ok := d.key(p, path, seen)
		if !ok {
			continue
		}
		sub := join(path, key)
		d.record(sub, p.key, p.val)
		d.keys[path] = append(d.keys[path], key)
		elem := reflect.New(v.Type().Elem()).Elem()
		d.decode(p.val, elem, sub)
		v.SetMapIndex(reflect.ValueOf(key).Convert(v.Type().Key()), elem)
	}
}

// key validates one mapping key: a non-empty scalar not seen before.
func (d *decoder) key(p pair, path string, seen map[string]int) (string, bool) {
	if p.key.Kind != yaml.ScalarNode || p.key.Value == "" {
		d.failKey(p.key, path, "keys must be plain non-empty words")
		return "", false
	}
	key := p.key.Value
	if first, dup := seen[key]; dup {
		d.failKey(p.key, join(path, key), "duplicate key (first written at line %d): keep one", first)
		return "", false
	}
	seen[key] = p.key.Line
	return key, true
}

func (d *decoder) record(path string, key, val *yaml.Node) {
	for val.Kind == yaml.AliasNode && val.Alias != nil && !d.active[val.Alias] {
		val = val.Alias
	}
	p := position{Line: key.Line, Column: key.Column, Null: isNull(val)}
	if val.Kind == yaml.ScalarNode {
		p.Raw, p.Tag = val.Value, val.ShortTag()
	}
	d.pos[path] = p
}

// sequence decodes a list. A lone string is accepted as a one-item list of
// strings, so "command: ./run.sh" works.
func (d *decoder) sequence(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind == yaml.ScalarNode && v.Type().Elem().Kind() == reflect.String {
		s := reflect.MakeSlice(v.Type(), 1, 1)
		d.str(n, s.Index(0), path)
		v.Set(s)
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.typeError(n, path, "a list ([a, b] or lines starting with -)")
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		sub := fmt.Sprintf("%s[%d]", path, i)
		d.record(sub, item, item)
		d.decode(item, s.Index(i), sub)
	}
	v.Set(s)
}

// str decodes any scalar into a string, expanding ${VAR}.
func (d *decoder) str(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.ScalarNode {
		d.typeError(n, path, "a string")
		return
	}
	s, err := expand(n.Value, d.lookup)
	if err != nil {
		d.fail(n, path, "%v", err)
		return
	}
	v.SetString(s)
}

// scalar returns the node a non-string value is read from: a quoted string
// holding ${VAR} is expanded and the result read as if written plainly, so
// "port: ${PORT:-8080}" works.
func (d *decoder) scalar(n *yaml.Node, path, want string) (*yaml.Node, bool) {
	if n.Kind != yaml.ScalarNode {
		d.typeError(n, path, want)
		return nil, false
	}
	if n.ShortTag() != "!!str" || !strings.Contains(n.Value, "${") {
		return n, true
	}
	s, err := expand(n.Value, d.lookup)
	if err != nil {
		d.fail(n, path, "%v", err)
		return nil, false
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Value: s, Line: n.Line, Column: n.Column}, true
}

func (d *decoder) unmarshaler(n *yaml.Node, v reflect.Value, path string) {
	m, ok := d.scalar(n, path, "a size such as 10MiB")
	if !ok {
		return
	}
	if err := v.Addr().Interface().(yaml.Unmarshaler).UnmarshalYAML(m); err != nil {
		d.fail(n, path, "%v", err)
	}
}

func (d *decoder) duration(n *yaml.Node, v reflect.Value, path string) {
	m, ok := d.scalar(n, path, "a duration such as 500ms or 10s")
	if !ok {
		return
	}
	s := strings.TrimSpace(m.Value)
	if s == "0" {
		v.SetInt(0)
		return
	}
	dur, err := time.ParseDuration(s)
	switch {
	case err != nil && (m.ShortTag() == "!!int" || m.ShortTag() == "!!float"):
		d.fail(n, path, "duration %s has no unit: write %ss or %sms", s, s, s)
	case err != nil:
		d.fail(n, path, "invalid duration %q: write a number with a unit such as 500ms, 10s or 5m", n.Value)
	case dur < 0:
		d.fail(n, path, "duration %s is negative: use a positive duration", s)
	default:
		v.SetInt(int64(dur))
	}
}

// number decodes booleans, integers and floats; none may be negative.
func (d *decoder) number(n *yaml.Node, v reflect.Value, path string) {
	switch v.Kind() {
	case reflect.Bool:
		m, ok := d.scalar(n, path, "true or false")
		if !ok {
			return
		}
		var b bool
		if m.ShortTag() != "!!bool" || m.Decode(&b) != nil {
			d.fail(n, path, "expected true or false, got %s", describe(n))
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64, reflect.Int32:
		m, ok := d.scalar(n, path, "a whole number")
		if !ok {
			return
		}
		var i int64
		if m.ShortTag() != "!!int" || m.Decode(&i) != nil || v.OverflowInt(i) {
			d.fail(n, path, "expected a whole number, got %s", describe(n))
			return
		}
		if i < 0 {
			d.fail(n, path, "%d is negative: use 0 or more", i)
			return
		}
		v.SetInt(i)
	case reflect.Uint64, reflect.Uint, reflect.Uint32:
		m, ok := d.scalar(n, path, "a whole number")
		if !ok {
			return
		}
		var u uint64
		if m.ShortTag() != "!!int" || m.Decode(&u) != nil || v.OverflowUint(u) {
			d.fail(n, path, "expected a whole number of 0 or more, got %s", describe(n))
			return
		}
		v.SetUint(u)
	case reflect.Float64:
		m, ok := d.scalar(n, path, "a number")
		if !ok {
			return
		}
		var f float64
		tag := m.ShortTag()
		if (tag != "!!int" && tag != "!!float") || m.Decode(&f) != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			d.fail(n, path, "expected a number, got %s", describe(n))
			return
		}
		if f < 0 {
			d.fail(n, path, "%s is negative: use 0 or more", m.Value)
			return
		}
		v.SetFloat(f)
	default:
		d.fail(n, path, "internal error: no decoder for %s", v.Type())
	}
}

func (d *decoder) typeError(n *yaml.Node, path, want string) {
	d.fail(n, path, "expected %s, got %s", want, describe(n))
}

// describe names what a node is, for "expected X, got Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	s := n.Value
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return fmt.Sprintf("%q", s)
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
