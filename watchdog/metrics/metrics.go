// Package metrics holds the watchdog's Prometheus metrics and writes them in
// the Prometheus text format (version 0.0.4) with their HELP and TYPE lines.
//
// It replaces prometheus/client_golang in the daemon: client_golang gathers
// through protobuf messages (client_model, expfmt), which cost the daemon
// 2.3 MB of PSS for a handful of counters, gauges and histograms
// (docs/benchmarks.md). The output is what client_golang's text encoder
// writes: families sorted by name, label names sorted, histograms with
// cumulative le buckets, and the same go_* and process_* families.
package metrics

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// ContentType is the Prometheus text format's media type.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// Collector writes whole metric families at scrape time.
type Collector interface {
	Collect(w *Writer)
}

// Named is a collector of one family: Registry finds it again by its name.
type Named interface {
	Collector
	Name() string
}

// ErrAlreadyRegistered is returned when a family of the same name exists.
var ErrAlreadyRegistered = errors.New("metric family already registered")

// Registry is the set of collectors one /metrics serves. It is safe for
// concurrent use; the zero value is not: use NewRegistry.
type Registry struct {
	mu    sync.Mutex
	named map[string]Named
	other []Collector
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{named: map[string]Named{}} }

// Register adds c. A Named collector must have a name no other has.
func (r *Registry) Register(c Collector) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	n, ok := c.(Named)
	if !ok {
		r.other = append(r.other, c)
		return nil
	}
	if _, dup := r.named[n.Name()]; dup {
		return fmt.Errorf("%s: %w", n.Name(), ErrAlreadyRegistered)
	}
	r.named[n.Name()] = n
	return nil
}

// MustRegister registers each collector and panics on a duplicate name:
// for wiring in main.
func (r *Registry) MustRegister(cs ...Collector) {
	for _, c := range cs {
		if err := r.Register(c); err != nil {
			panic(err)
		}
	}
}

// Reuse registers c, or returns the collector already registered under its
// name when that has c's type: a component rebuilt on reload keeps counting
// into the same series. Nil r: c, unregistered.
func Reuse[C Named](r *Registry, c C) (C, error) {
	if r == nil {
		return c, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, dup := r.named[c.Name()]; dup {
		if same, ok := old.(C); ok {
			return same, nil
		}
		return c, fmt.Errorf("%s: %w with another type", c.Name(), ErrAlreadyRegistered)
	}
	r.named[c.Name()] = c
	return c, nil
}

// Gather writes every family, sorted by name.
func (r *Registry) Gather() []byte {
	r.mu.Lock()
	cs := slices.Clone(r.other)
	for _, n := range r.named {
		cs = append(cs, n)
	}
	r.mu.Unlock()
	w := &Writer{}
	for _, c := range cs {
		c.Collect(w)
	}
	return w.sorted()
}

// ServeHTTP serves the families in the text format.
func (r *Registry) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	body := r.Gather()
	w.Header().Set("Content-Type", ContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

// Writer collects families for one scrape. A family's lines must be
// written together: Family, then its samples.
type Writer struct {
	fams []family
}

type family struct {
	name    string
	text    []byte
	samples int // a family without samples is left out, as client_golang does
}

// Family starts a family: its HELP and TYPE lines (typ: counter, gauge,
// histogram or summary).
func (w *Writer) Family(name, help, typ string) {
	b := make([]byte, 0, 256)
	b = append(b, "# HELP "...)
	b = append(b, name...)
	b = append(b, ' ')
	b = appendEscaped(b, help, false)
	b = append(b, "\n# TYPE "...)
	b = append(b, name...)
	b = append(b, ' ')
	b = append(b, typ...)
	b = append(b, '\n')
	w.fams = append(w.fams, family{name: name, text: b})
}

// Sample writes one sample of the current family: name (the family's, or
// with a _bucket, _sum or _count suffix), value and label pairs (name,
// value, name, value...) whose names are in sorted order.
func (w *Writer) Sample(name string, v float64, labels ...string) {
	f := &w.fams[len(w.fams)-1]
	f.text = appendSample(f.text, name, labelString(labels), v)
	f.samples++
}

func appendSample(b []byte, name, labels string, v float64) []byte {
	b = append(b, name...)
	b = append(b, labels...)
	b = append(b, ' ')
	b = appendFloat(b, v)
	return append(b, '\n')
}

func (w *Writer) sorted() []byte {
	sort.SliceStable(w.fams, func(i, j int) bool { return w.fams[i].name < w.fams[j].name })
	n := 0
	for _, f := range w.fams {
		n += len(f.text)
	}
	out := make([]byte, 0, n)
	for _, f := range w.fams {
		if f.samples > 0 {
			out = append(out, f.text...)
		}
	}
	return out
}

// labelString renders pairs as {a="x",b="y"}; "" for none.
func labelString(pairs []string) string {
	if len(pairs) == 0 {
		return ""
	}
	b := make([]byte, 0, 64)
	b = append(b, '{')
	for i := 0; i+1 < len(pairs); i += 2 {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, pairs[i]...)
		b = append(b, `="`...)
		b = appendEscaped(b, pairs[i+1], true)
		b = append(b, '"')
	}
	return string(append(b, '}'))
}

// appendEscaped escapes as the text format wants: backslash and newline
// everywhere, double quotes in label values.
func appendEscaped(b []byte, s string, quote bool) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			b = append(b, `\\`...)
		case c == '\n':
			b = append(b, `\n`...)
		case c == '"' && quote:
			b = append(b, `\"`...)
		default:
			b = append(b, c)
		}
	}
	return b
}

// appendFloat formats v as client_golang does: shortest 'g', +Inf, -Inf, NaN.
func appendFloat(b []byte, v float64) []byte {
	switch {
	case math.IsInf(v, 1):
		return append(b, "+Inf"...)
	case math.IsInf(v, -1):
		return append(b, "-Inf"...)
	case math.IsNaN(v):
		return append(b, "NaN"...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

// labelKey joins label values into a map key.
func labelKey(values []string) string { return strings.Join(values, "\xff") }

// Samples returns every sample of a scrape as "name{labels}" (as written)
// → value: for tests and tools that read single values.
func (r *Registry) Samples() map[string]float64 {
	out := map[string]float64{}
	for _, line := range strings.Split(string(r.Gather()), "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			out[line[:i]] = v
		}
	}
	return out
}
