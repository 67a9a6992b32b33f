package config

import (
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// pair is one key: value of a mapping.
type pair struct{ key, val *yaml.Node }

// pairs lists a mapping's entries with "<<" merge keys expanded: merged
// entries come first and keys written in the mapping itself override them.
func (d *decoder) pairs(n *yaml.Node, path string, depth int) []pair {
	var own, merged []pair
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			merged = append(merged, d.merge(v, path, depth)...)
			continue
		}
		own = append(own, pair{k, v})
	}
	if len(merged) == 0 {
		return own
	}
	written := map[string]bool{}
	for _, p := range own {
		written[p.key.Value] = true
	}
	out := make([]pair, 0, len(merged)+len(own))
	for _, p := range merged {
		if !written[p.key.Value] {
			written[p.key.Value] = true // the first merged source wins
			out = append(out, p)
		}
	}
	return append(out, own...)
}

// merge returns the entries a "<<" value contributes. Every mapping merged in
// is paid for from the node budget before it is walked: merging the same
// anchor many times at every level multiplies the work like nested aliases.
func (d *decoder) merge(v *yaml.Node, path string, depth int) []pair {
	if depth >= maxMergeDepth {
		d.fail(v, path, "merge keys (<<) nested more than %d deep: flatten them", maxMergeDepth)
		return nil
	}
	v = resolveAlias(v)
	switch v.Kind {
	case yaml.MappingNode:
		return d.mergeMapping(v, path, depth)
	case yaml.SequenceNode:
		var out []pair
		for _, item := range v.Content {
			if item = resolveAlias(item); item.Kind != yaml.MappingNode {
				d.fail(item, path, "<< merges mappings: every item must be a mapping such as *defaults")
				continue
			}
			out = append(out, d.mergeMapping(item, path, depth)...)
		}
		return out
	}
	d.fail(v, path, "<< merges mappings: write <<: *anchor or <<: [*a, *b]")
	return nil
}

// mergeMapping pays for mapping m from the node budget, then lists its entries.
func (d *decoder) mergeMapping(m *yaml.Node, path string, depth int) []pair {
	if !d.spend(len(m.Content)/2+1, m, path) {
		return nil
	}
	return d.pairs(m, path, depth+1)
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

// fieldSet maps the yaml keys of a struct (inline fields flattened) to fields.
type fieldSet struct {
	names []string
	index map[string][]int
}

func (d *decoder) fieldsOf(t reflect.Type) fieldSet {
	if fs, ok := d.fields[t]; ok {
		return fs
	}
	fs := fieldSet{index: map[string][]int{}}
	collectFields(t, nil, &fs)
	d.fields[t] = fs
	return fs
}

func collectFields(t reflect.Type, prefix []int, fs *fieldSet) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		if tag == "-" || !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		idx := append(append([]int(nil), prefix...), i)
		if opts == "inline" {
			collectFields(f.Type, idx, fs)
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		fs.names = append(fs.names, name)
		fs.index[name] = idx
	}
}
