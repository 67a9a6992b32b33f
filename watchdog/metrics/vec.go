package metrics

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
)

// vec is a family of series told apart by label values.
type vec struct {
	name, help, typ string
	labels          []string // as given: the order values are passed in
	order           []int    // label indices in sorted name order
	buckets         []float64

	mu     sync.Mutex
	series map[string]*series
}

type series struct {
	labels string // rendered, sorted by label name
	values []string
	v      float64  // counter or gauge value; histogram sum
	counts []uint64 // histogram: per bucket, not cumulative
	count  uint64
}

func newVec(name, help, typ string, buckets []float64, labels []string) vec {
	order := make([]int, len(labels))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return labels[order[i]] < labels[order[j]] })
	return vec{name: name, help: help, typ: typ, labels: labels, order: order, buckets: buckets, series: map[string]*series{}}
}

// Name returns the family's name.
func (v *vec) Name() string { return v.name }

// get returns the series for values, created at zero. v.mu is held.
func (v *vec) get(values []string) *series {
	if len(values) != len(v.labels) {
		panic(fmt.Sprintf("%s: %d label values for %d labels %v", v.name, len(values), len(v.labels), v.labels))
	}
	k := labelKey(values)
	if s, ok := v.series[k]; ok {
		return s
	}
	pairs := make([]string, 0, 2*len(values))
	for _, i := range v.order {
		pairs = append(pairs, v.labels[i], values[i])
	}
	s := &series{labels: labelString(pairs), values: slices.Clone(values)}
	if v.buckets != nil {
		s.counts = make([]uint64, len(v.buckets))
	}
	v.series[k] = s
	return s
}

// Init creates the series with these label values at zero, as
// client_golang's WithLabelValues does: it is exported before its first
// change.
func (v *vec) Init(values ...string) {
	v.mu.Lock()
	v.get(values)
	v.mu.Unlock()
}

// Delete removes the series with these label values; false if there was none.
func (v *vec) Delete(values ...string) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	k := labelKey(values)
	_, ok := v.series[k]
	delete(v.series, k)
	return ok
}

// DeleteMatch removes every series whose labels have the given values
// (label name → value) and returns how many it removed.
func (v *vec) DeleteMatch(match map[string]string) int {
	v.mu.Lock()
	defer v.mu.Unlock()
	n := 0
	for k, s := range v.series {
		if v.matches(s, match) {
			delete(v.series, k)
			n++
		}
	}
	return n
}

func (v *vec) matches(s *series, match map[string]string) bool {
	for name, want := range match {
		i := slices.Index(v.labels, name)
		if i < 0 || s.values[i] != want {
			return false
		}
	}
	return true
}

// Collect writes the family, series sorted by their labels.
func (v *vec) Collect(w *Writer) {
	v.mu.Lock()
	defer v.mu.Unlock()
	all := make([]*series, 0, len(v.series))
	for _, s := range v.series {
		all = append(all, s)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].labels < all[j].labels })
	w.Family(v.name, v.help, v.typ)
	f := &w.fams[len(w.fams)-1]
	for _, s := range all {
		if v.buckets == nil {
			f.text = appendSample(f.text, v.name, s.labels, s.v)
			f.samples++
			continue
		}
		f.text = v.appendHistogram(f.text, s)
		f.samples++
	}
}

// appendHistogram writes cumulative buckets with le last among the labels,
// then _sum and _count, as client_golang does.
func (v *vec) appendHistogram(b []byte, s *series) []byte {
	prefix := strings.TrimSuffix(s.labels, "}")
	if prefix == "" {
		prefix = "{"
	} else {
		prefix += ","
	}
	var cum uint64
	for i, ub := range v.buckets {
		cum += s.counts[i]
		b = appendSample(b, v.name+"_bucket", prefix+`le="`+string(appendFloat(nil, ub))+`"}`, float64(cum))
	}
	b = appendSample(b, v.name+"_bucket", prefix+`le="+Inf"}`, float64(s.count))
	b = appendSample(b, v.name+"_sum", s.labels, s.v)
	return appendSample(b, v.name+"_count", s.labels, float64(s.count))
}

// CounterVec is a counter family with labels.
type CounterVec struct{ vec }

// NewCounterVec returns a counter family; name should end in _total.
func NewCounterVec(name, help string, labels ...string) *CounterVec {
	return &CounterVec{newVec(name, help, "counter", nil, labels)}
}

// Add adds delta (>= 0) to the series with these label values.
func (c *CounterVec) Add(delta float64, values ...string) {
	c.mu.Lock()
	c.get(values).v += delta
	c.mu.Unlock()
}

// Inc adds 1 to the series with these label values.
func (c *CounterVec) Inc(values ...string) { c.Add(1, values...) }

// Value returns the series' value (0 when it does not exist): for tests.
func (c *CounterVec) Value(values ...string) float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.series[labelKey(values)]; ok {
		return s.v
	}
	return 0
}

// GaugeVec is a gauge family with labels.
type GaugeVec struct{ vec }

// NewGaugeVec returns a gauge family.
func NewGaugeVec(name, help string, labels ...string) *GaugeVec {
	return &GaugeVec{newVec(name, help, "gauge", nil, labels)}
}

// Set sets the series with these label values to x.
func (g *GaugeVec) Set(x float64, values ...string) {
	g.mu.Lock()
	g.get(values).v = x
	g.mu.Unlock()
}

// HistogramVec is a histogram family with labels and fixed buckets.
type HistogramVec struct{ vec }

// NewHistogramVec returns a histogram family with these upper bounds
// (sorted, without +Inf).
func NewHistogramVec(name, help string, buckets []float64, labels ...string) *HistogramVec {
	return &HistogramVec{newVec(name, help, "histogram", slices.Clone(buckets), labels)}
}

// Observe records x in the series with these label values.
func (h *HistogramVec) Observe(x float64, values ...string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.get(values)
	if i, _ := slices.BinarySearch(h.buckets, x); i < len(h.buckets) {
		s.counts[i]++
	}
	s.count++
	s.v += x
}

// ExponentialBuckets returns count upper bounds from start, each factor
// times the previous (as client_golang computes them).
func ExponentialBuckets(start, factor float64, count int) []float64 {
	b := make([]float64, count)
	for i := range b {
		b[i] = start
		start *= factor
	}
	return b
}

// Func is a family of one unlabelled or const-labelled sample whose value
// is read at scrape time.
type Func struct {
	name, help, typ string
	labels          []string // pairs, sorted by name
	value           func() float64
}

// NewGaugeFunc returns a gauge whose value f gives at each scrape; labels
// are constant name, value pairs.
func NewGaugeFunc(name, help string, f func() float64, labels ...string) *Func {
	pairs := slices.Clone(labels)
	sortPairs(pairs)
	return &Func{name: name, help: help, typ: "gauge", labels: pairs, value: f}
}

// Name returns the family's name.
func (f *Func) Name() string { return f.name }

// Collect writes the sample.
func (f *Func) Collect(w *Writer) {
	w.Family(f.name, f.help, f.typ)
	w.Sample(f.name, f.value(), f.labels...)
}

// sortPairs sorts name, value pairs by name.
func sortPairs(p []string) {
	n := len(p) / 2
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return p[2*idx[a]] < p[2*idx[b]] })
	out := make([]string, 0, len(p))
	for _, i := range idx {
		out = append(out, p[2*i], p[2*i+1])
	}
	copy(p, out)
}
