package report

import (
	"fmt"
	"time"

	"github.com/vigilhq/vigil/slo"
)

// Timeline chart geometry, in SVG user units.
const (
	chartLabelW = 140.0
	chartPlotW  = 840.0
	chartTop    = 30.0
	chartRowH   = 20.0
	chartRowGap = 8.0
	chartAxisH  = 24.0
)

// chart is one scenario's timeline drawn as SVG shapes: a row per target of
// ok/fail/void segments, shaded fault windows and recovery marks.
type chart struct {
	Width, Height float64
	Labels        []chartText
	Ticks         []chartText
	Faults        []chartRect
	Segments      []chartRect
	Marks         []chartLine
}

type chartRect struct {
	X, Y, W, H float64
	Class      string
	Title      string
}

type chartLine struct {
	X, Y1, Y2 float64
	Class     string
	Title     string
}

type chartText struct {
	X, Y float64
	Text string
}

// newChart lays out s's timeline between its span's start and end.
func newChart(s slo.ScenarioResult) chart {
	start, end := span(s)
	total := float64(end.Sub(start))
	x := func(t time.Time) float64 {
		f := float64(t.Sub(start)) / total
		return chartLabelW + min(max(f, 0), 1)*chartPlotW
	}
	rowY := func(i int) float64 { return chartTop + float64(i)*(chartRowH+chartRowGap) }
	rowsBottom := rowY(len(s.Timelines))
	c := chart{Width: chartLabelW + chartPlotW + 20, Height: rowsBottom + chartAxisH}
	for i := 0; i <= 4; i++ {
		f := float64(i) / 4
		c.Ticks = append(c.Ticks, chartText{X: chartLabelW + f*chartPlotW, Y: rowsBottom + 16,
			Text: fmt.Sprintf("+%.0fs", f*total/float64(time.Second))})
	}
	row := map[string]int{}
	for i, tl := range s.Timelines {
		row[tl.Target] = i
		c.Labels = append(c.Labels, chartText{X: 4, Y: rowY(i) + chartRowH*0.7, Text: tl.Target})
		c.Segments = append(c.Segments, segments(tl, s.ProbeInterval, x, rowY(i))...)
	}
	for _, f := range s.Faults {
		until := f.Reverted
		if !until.After(f.Injected) {
			until = f.Injected.Add(f.Recovery)
		}
		x0 := x(f.Injected)
		c.Faults = append(c.Faults, chartRect{X: x0, Y: chartTop - 14, W: max(x(until)-x0, 2), H: rowsBottom - chartTop + 14,
			Class: "fault", Title: fmt.Sprintf("fault %s: injected +%s, reverted %s", f.Name, slo.Dur(f.Injected.Sub(start)), revertedText(start, f))})
		if healed := f.Injected.Add(f.Recovery); healed.After(until) {
			c.Faults = append(c.Faults, chartRect{X: x(until), Y: chartTop - 14, W: x(healed) - x(until), H: rowsBottom - chartTop + 14,
				Class: "recovering", Title: fmt.Sprintf("recovering from %s until +%s", f.Name, slo.Dur(healed.Sub(start)))})
		}
		c.Labels = append(c.Labels, chartText{X: x0 + 2, Y: chartTop - 4, Text: f.Name})
		for _, rec := range f.Recoveries {
			i, ok := row[rec.Target]
			if !ok || rec.Status != slo.Recovered {
				continue
			}
			c.Marks = append(c.Marks, chartLine{X: x(rec.RecoveredAt), Y1: rowY(i) - 3, Y2: rowY(i) + chartRowH + 3, Class: "rec",
				Title: fmt.Sprintf("%s recovered %s after %s", rec.Target, slo.Dur(rec.Duration), f.Name)})
		}
		if !f.WatchdogHealthy.IsZero() {
			c.Marks = append(c.Marks, chartLine{X: x(f.WatchdogHealthy), Y1: chartTop - 14, Y2: rowsBottom, Class: "wd",
				Title: fmt.Sprintf("watchdog reported healthy %s after %s", slo.Dur(f.WatchdogRecovery), f.Name)})
		}
	}
	return c
}

func revertedText(start time.Time, f slo.FaultResult) string {
	if f.Reverted.IsZero() {
		return "never (one-shot fault)"
	}
	return "+" + slo.Dur(f.Reverted.Sub(start))
}

// segments run-length encodes tl into ok, fail and void rectangles; each
// probe covers the time until the next probe (the last one, one interval).
func segments(tl slo.Timeline, interval time.Duration, x func(time.Time) float64, y float64) []chartRect {
	if interval <= 0 {
		interval = slo.DefaultProbeInterval
	}
	var out []chartRect
	ps := tl.Probes
	for i := 0; i < len(ps); {
		j := i
		for j+1 < len(ps) && probeClass(ps[j+1]) == probeClass(ps[i]) {
			j++
		}
		endT := ps[j].Time.Add(interval * time.Duration(max(tl.Merged, 1)))
		if j+1 < len(ps) {
			endT = ps[j+1].Time
		}
		class, what := probeClass(ps[i]), "ok"
		switch class {
		case "void":
			what = "voided (" + ps[i].Void + ")"
		case "fail":
			what = "failing: " + ps[i].Err
		}
		x0 := x(ps[i].Time)
		out = append(out, chartRect{X: x0, Y: y, W: max(x(endT)-x0, 1), H: chartRowH, Class: class,
			Title: fmt.Sprintf("%s %s, %d probes", tl.Target, what, (j-i+1)*max(tl.Merged, 1))})
		i = j + 1
	}
	return out
}

// probeClass is a probe's SVG class: "void" when a harness stall voided it
// (grey: not judged), else "fail" or "ok".
func probeClass(p slo.Probe) string {
	switch {
	case p.Void != "":
		return "void"
	case !p.OK:
		return "fail"
	}
	return "ok"
}
