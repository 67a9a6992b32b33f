package report

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vigilhq/vigil/slo"
)

var t0 = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

const step = 100 * time.Millisecond

// scenario builds a 2-minute run of one fault at +10s that takes the "api"
// target down for down probes; "web" stays up. lost drops one acknowledged
// write from the read-back.
func scenario(name string, down int, lost bool) slo.ScenarioResult {
	return scenarioFailing(name, func(i int) bool { return i >= 100 && i < 100+down }, lost)
}

// scenarioFailing is scenario with the api probes for which failed is true
// failing (probe i is sent at +i × 100 ms; the fault goes in at +10 s).
func scenarioFailing(name string, failed func(i int) bool, lost bool) slo.ScenarioResult {
	const total = 1200
	api := slo.Timeline{Target: "api"}
	web := slo.Timeline{Target: "web"}
	for i := range total {
		at := t0.Add(time.Duration(i) * step)
		ok := !failed(i)
		p := slo.Probe{Time: at, OK: ok, Status: 200, Latency: time.Millisecond}
		if !ok {
			p.Status, p.Err = 503, "unexpected status 503"
		}
		api.Probes = append(api.Probes, p)
		web.Probes = append(web.Probes, slo.Probe{Time: at, OK: true, Status: 200})
	}
	l := slo.NewLedger()
	present := map[string]int{}
	for _, k := range []string{"k1", "k2", "k3"} {
		l.Attempt(k)
		l.Ack(k, k)
		present[k] = 1
	}
	if lost {
		delete(present, "k2")
	}
	set := slo.Check(l, present)
	injected := t0.Add(100 * step)
	return slo.Analyze(slo.ScenarioInput{
		Name: name, Seed: 1234, Start: t0, End: t0.Add(total * step), ProbeInterval: step,
		Timelines: []slo.Timeline{api, web},
		Faults:    []slo.Window{{Name: "kill <pg> & co", Injected: injected, Reverted: injected.Add(time.Second), WatchdogHealthy: injected.Add(5 * time.Second)}},
		Set:       &set,
	}, slo.DefaultObjectives())
}

func newReport(results ...slo.ScenarioResult) Report {
	return New(Meta{Release: "v0.1.0", GitDescribe: "v0.1.0-3-gabc", Generated: t0.Add(time.Hour)}, slo.DefaultObjectives(), results)
}

// failing has a 31 s recovery and a lost write.
func failing() Report {
	return newReport(scenario("pg-kill", 10, false), scenario("pg-slow", 310, true))
}

func passing() Report {
	return newReport(scenario("pg-kill", 10, false), scenario("pg-slow", 50, false))
}

// stalled is a 2-minute run in which the harness stalled on one tick in
// every (the control failed; 0: never); one in ten is INCONCLUSIVE. Its fault reaches only "web",
// which stays up; "api" fails 5 probes at +60 s that no fault explains
// (collateral).
func stalled(name string, every int) slo.ScenarioResult {
	const total = 1200
	api, web := slo.Timeline{Target: "api"}, slo.Timeline{Target: "web"}
	control := slo.Timeline{Target: "control"}
	var ticks []time.Time
	for i := range total {
		at := t0.Add(time.Duration(i) * step)
		ticks = append(ticks, at)
		api.Probes = append(api.Probes, slo.Probe{Time: at, Tick: at, OK: i < 604 || i >= 609})
		web.Probes = append(web.Probes, slo.Probe{Time: at, Tick: at, OK: true})
		control.Probes = append(control.Probes, slo.Probe{Time: at, Tick: at, OK: every == 0 || i%every != 3})
	}
	return slo.Analyze(slo.ScenarioInput{
		Name: name, Seed: 77, Start: t0, End: t0.Add(total * step), ProbeInterval: step,
		Timelines: []slo.Timeline{api, web}, Control: &control, Ticks: ticks,
		Faults: []slo.Window{{Name: "cut-web", Injected: t0.Add(10 * time.Second), Reverted: t0.Add(20 * time.Second), Radius: []string{"web"}}},
	}, slo.DefaultObjectives())
}

func TestNewJudgesAndDownsamples(t *testing.T) {
	r := New(Meta{MaxPoints: 100}, slo.DefaultObjectives(), []slo.ScenarioResult{scenario("pg-slow", 310, true)})
	if r.Passed || len(r.Breaches) != 2 {
		t.Fatalf("New = passed %v breaches %v, want recovery and lost-writes breaches", r.Passed, r.Breaches)
	}
	for _, tl := range r.Scenarios[0].Timelines {
		if len(tl.Probes) != 100 || tl.Merged != 12 {
			t.Errorf("timeline %s = %d points merged %d, want 100 of 12", tl.Target, len(tl.Probes), tl.Merged)
		}
	}
	if got := r.Scenarios[0].Targets[0].Total; got != 1200 {
		t.Errorf("figures after downsampling: total %d, want 1200 (computed from raw probes)", got)
	}
	if r.Seeds["pg-slow"] != 1234 {
		t.Errorf("Seeds = %v, want pg-slow=1234", r.Seeds)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	empty := slo.Analyze(slo.ScenarioInput{Name: "empty", Timelines: []slo.Timeline{{Target: "api"}}}, slo.DefaultObjectives())
	for _, r := range []Report{failing(), passing(), newReport(), newReport(empty), newReport(stalled("noisy", 10))} {
		var buf bytes.Buffer
		if err := WriteJSON(&buf, r); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), `"schema_version":1`) {
			t.Error("JSON lacks schema_version 1")
		}
		if strings.Contains(buf.String(), "null") {
			t.Errorf("JSON contains null; lists must be [] (docs/slo.md): %.300s", buf.String())
		}
		back, err := ReadJSON(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back, r) {
			t.Errorf("ReadJSON(WriteJSON(r)) differs from r:\n got %+v\nwant %+v", back, r)
		}
	}
	if _, err := ReadJSON(strings.NewReader(`{"schema_version": 99}`)); err == nil || !strings.Contains(err.Error(), "update vigil") {
		t.Errorf("ReadJSON(newer schema) = %v, want a version error", err)
	}
}

// xmlElement is a generic XML tree for checking the HTML page.
type xmlElement struct {
	XMLName  xml.Name
	Attrs    []xml.Attr   `xml:",any,attr"`
	Children []xmlElement `xml:",any"`
	Text     string       `xml:",chardata"`
}

func (e xmlElement) attr(name string) string {
	for _, a := range e.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (e xmlElement) walk(f func(xmlElement)) {
	f(e)
	for _, c := range e.Children {
		c.walk(f)
	}
}

func TestHTMLWellFormedWithFaultWindow(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteHTML(&buf, failing()); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	dec := xml.NewDecoder(strings.NewReader(page))
	dec.Strict = true
	var root xmlElement
	if err := dec.Decode(&root); err != nil {
		t.Fatalf("HTML is not well-formed XML: %v", err)
	}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if cd, ok := tok.(xml.CharData); err != nil || !ok || strings.TrimSpace(string(cd)) != "" {
			t.Fatalf("trailing content after </html>: %v %v", tok, err)
		}
	}
	var svgs, faults, fails, recs int
	root.walk(func(e xmlElement) {
		switch {
		case e.XMLName.Local == "svg":
			svgs++
		case e.XMLName.Local == "rect" && e.attr("class") == "fault":
			faults++
			if len(e.Children) == 0 || !strings.Contains(e.Children[0].Text, "kill <pg> & co") {
				t.Errorf("fault rect title = %+v, want the fault name", e.Children)
			}
		case e.XMLName.Local == "rect" && e.attr("class") == "fail":
			fails++
		case e.XMLName.Local == "line" && e.attr("class") == "rec":
			recs++
		}
	})
	if svgs != 2 || faults != 2 || fails != 2 || recs != 2 {
		t.Errorf("svg elements: %d charts, %d fault windows, %d fail segments, %d recovery marks; want 2, 2, 2, 2", svgs, faults, fails, recs)
	}
	for _, banned := range []string{"<script", "<link", "src=", "url(", "@import", "@font-face"} {
		if strings.Contains(page, banned) {
			t.Errorf("HTML contains %q: the page must be self-contained", banned)
		}
	}
	if !strings.Contains(page, `recovery breached`) {
		t.Error("HTML lacks the recovery breach")
	}
}

// TestHTMLFirstScreen pins what the page shows before its first section:
// the verdict, why, and a line per scenario; voided probes are drawn grey
// (class void) and the legend says so.
func TestHTMLFirstScreen(t *testing.T) {
	tests := []struct {
		name  string
		r     Report
		first []string // all before the first <h2>
		voids int      // void segments in the timelines
	}{
		{name: "breach", r: failing(), first: []string{`<p class="verdict FAIL">FAIL</p>`, "do not ship: 2 SLO breaches",
			"<strong>recovery breached</strong> in scenario &#34;pg-slow&#34; fault &#34;kill &lt;pg&gt; &amp; co&#34; target &#34;api&#34;: got 31s, want &lt; 30s",
			`<td>31s (kill &lt;pg&gt; &amp; co → api)</td>`, `<td class="FAIL">FAIL</td>`}},
		{name: "inconclusive", r: newReport(stalled("noisy", 10)), voids: 240, first: []string{`<p class="verdict INCONCLUSIVE">INCONCLUSIVE</p>`,
			"<strong>INCONCLUSIVE</strong> in scenario &#34;noisy&#34;: 120 of 1200 probe ticks voided by harness stalls",
			`<td>120 of 1200 (10.0 %)</td><td>api 5</td>`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteHTML(&buf, tc.r); err != nil {
				t.Fatal(err)
			}
			page := buf.String()
			head, _, _ := strings.Cut(page, "<h2")
			for _, want := range tc.first {
				if !strings.Contains(head, want) {
					t.Errorf("first screen lacks %q:\n%s", want, head)
				}
			}
			if got := strings.Count(page, `<rect class="void"`); got != tc.voids {
				t.Errorf("void segments = %d, want %d", got, tc.voids)
			}
			if !strings.Contains(page, "voided: harness stall, not judged") {
				t.Error("legend does not explain voided probes")
			}
		})
	}
}

func TestJUnitParses(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJUnit(&buf, failing()); err != nil {
		t.Fatal(err)
	}
	var doc junitSuites
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("junit.xml does not parse: %v", err)
	}
	if len(doc.Suites) != 3 || doc.Tests != 2*len(slo.AllSLOs())+1 {
		t.Fatalf("junit: %d suites, %d tests; want 3 suites, %d tests", len(doc.Suites), doc.Tests, 2*len(slo.AllSLOs())+1)
	}
	failed := map[string]bool{}
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			if c.Failure != nil {
				failed[s.Name+"/"+c.Name] = true
				if !strings.Contains(c.Failure.Message, s.Name) {
					t.Errorf("failure message %q does not name scenario %s", c.Failure.Message, s.Name)
				}
			}
		}
	}
	want := map[string]bool{"pg-slow/recovery": true, "pg-slow/lost-writes": true}
	if !reflect.DeepEqual(failed, want) || doc.Failures != 2 {
		t.Errorf("junit failures = %v (%d), want %v", failed, doc.Failures, want)
	}
}

func TestMarkdown(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, failing()); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	for _, want := range []string{"| pg-slow | 1234 |", "| **release** |", `scenario "pg-slow" fault "kill &lt;pg&gt; & co" target "api": recovery breached: got 31s`,
		"lost-writes breached", "`pg-kill=1234`", "| pg-slow | kill &lt;pg&gt; & co | 10.0 | 11.0 | api | recovered | 31s | 310 | 5s |", "## Harness", "## Collateral"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}

// TestMarkdownFirstScreen pins what a reader sees before scrolling: the
// verdict, why, and a line per scenario.
func TestMarkdownFirstScreen(t *testing.T) {
	tests := []struct {
		name string
		r    Report
		want []string // in order, within the first 12 lines
	}{
		{
			name: "breach",
			r:    failing(),
			want: []string{
				"# FAIL: Vigil SLO report v0.1.0",
				"**FAIL**: do not ship: 2 SLO breaches.",
				`- **recovery breached** in scenario "pg-slow" fault "kill &lt;pg&gt; & co" target "api": got 31s, want &lt; 30s`,
				`- **lost-writes breached** in scenario "pg-slow" fault "kill &lt;pg&gt; & co": got 1 of 3 acknowledged writes lost (first: k2), want ≤ 0`,
				"| Scenario | Worst recovery | Voided ticks | Collateral (failed probes outside any fault) | Lost writes | Verdict |",
				"| pg-kill | 1s (kill &lt;pg&gt; & co → api) | – | none | 0 of 3 acked | PASS |",
				"| pg-slow | 31s (kill &lt;pg&gt; & co → api) | – | none | 1 of 3 acked | FAIL |",
			},
		},
		{
			name: "inconclusive",
			r:    newReport(scenario("pg-kill", 10, false), stalled("noisy", 10)),
			want: []string{
				"# INCONCLUSIVE: Vigil SLO report v0.1.0",
				"**INCONCLUSIVE**: cannot tell: 1 scenario could not be judged; rerun before shipping.",
				`- **INCONCLUSIVE** in scenario "noisy": 120 of 1200 probe ticks voided by harness stalls`,
				"| noisy | no impact | 120 of 1200 (10.0 %) | api 5 | – | INCONCLUSIVE |",
			},
		},
		{
			name: "pass",
			r:    passing(),
			want: []string{"# PASS: Vigil SLO report v0.1.0", "**PASS**: ship: every SLO met in 2 scenarios.", "| pg-slow | 5s (kill &lt;pg&gt; & co → api) | – | none | 0 of 3 acked | PASS |"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteMarkdown(&buf, tc.r); err != nil {
				t.Fatal(err)
			}
			lines := strings.SplitN(buf.String(), "\n", 13)
			screen := strings.Join(lines[:min(len(lines), 12)], "\n")
			at := 0
			for _, want := range tc.want {
				i := strings.Index(screen[at:], want)
				if i < 0 {
					t.Fatalf("first screen lacks %q after byte %d:\n%s", want, at, screen)
				}
				at += i + len(want)
			}
		})
	}
}

func TestWriteAll(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	if err := WriteAll(dir, failing()); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{JSONFile, MarkdownFile, HTMLFile, JUnitFile} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.Size() == 0 {
			t.Errorf("WriteAll: %s missing or empty (%v)", name, err)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 4 {
		t.Errorf("WriteAll left %d files, want exactly 4 (no temp files)", len(entries))
	}
}

func TestDiff(t *testing.T) {
	kinds := func(regs []Regression) []string {
		var out []string
		for _, r := range regs {
			out = append(out, r.Scenario+"/"+r.Kind)
		}
		return out
	}
	steady := func(pattern string) slo.ScenarioResult {
		tl := slo.Timeline{Target: "api"}
		for i, c := range pattern {
			tl.Probes = append(tl.Probes, slo.Probe{Time: t0.Add(time.Duration(i) * step), OK: c == 'G'})
		}
		return slo.Analyze(slo.ScenarioInput{Name: "steady", Timelines: []slo.Timeline{tl}}, slo.DefaultObjectives())
	}
	recovery := func(down int) Report { return newReport(scenario("a", down, false)) } // down × 100 ms
	tests := []struct {
		name     string
		old, new Report
		want     []string
	}{
		{name: "identical passing pair", old: passing(), new: passing()},
		{name: "identical failing pair", old: failing(), new: failing()},
		{name: "recovery 0 s to 15 s, under the 30 s objective", old: recovery(0), new: recovery(150), want: []string{"a/recovery"}},
		{name: "recovery 1.2 s to 1.3 s is noise", old: recovery(12), new: recovery(13)},
		{name: "recovery 0 s to 0.8 s is within a second", old: recovery(0), new: recovery(8)},
		{name: "recovery 10 s to 14 s is within 50 %", old: recovery(100), new: recovery(140)},
		{name: "recovery 10 s to 16 s", old: recovery(100), new: recovery(160), want: []string{"a/recovery"}},
		{name: "recovery 20 s to 32 s breaches too", old: recovery(200), new: recovery(320), want: []string{"a/recovery", "a/verdict"}},
		{name: "recovery 15 s to 0 s is better", old: recovery(150), new: recovery(0)},
		{
			name: "one stray probe 3 s after a kill is noise",
			old:  recovery(0), new: newReport(scenarioFailing("a", func(i int) bool { return i == 130 }, false)),
		},
		{
			name: "collateral failures lower availability",
			old:  recovery(0), new: newReport(scenarioFailing("a", func(i int) bool { return i >= 600 && i < 630 }, false)),
			want: []string{"a/availability"},
		},
		{name: "lost write", old: passing(), new: newReport(scenario("pg-kill", 10, false), scenario("pg-slow", 50, true)), want: []string{"pg-slow/lost-writes", "pg-slow/verdict"}},
		{name: "as many lost writes as before", old: failing(), new: failing()},
		{name: "PASS now INCONCLUSIVE", old: newReport(stalled("noisy", 0)), new: newReport(stalled("noisy", 10)), want: []string{"noisy/voided-ticks", "noisy/verdict"}},
		{name: "voided ticks up 2.5 points is noise", old: newReport(stalled("noisy", 0)), new: newReport(stalled("noisy", 40))},
		{
			name: "availability breached in the scenario and the release",
			old:  newReport(steady(strings.Repeat("G", 1000))), new: newReport(steady(strings.Repeat("G", 998) + "BB")),
			want: []string{"steady/verdict", "release/verdict"},
		},
		{name: "a scenario only in new is not compared", old: newReport(scenario("pg-kill", 10, false)), new: failing()},
		{name: "a scenario that could not run in new", old: passing(), new: couldNotRun(newReport(scenario("pg-kill", 10, false)), "pg-slow"), want: []string{"pg-slow/verdict"}},
		{name: "voided ticks first measured", old: newReport(scenario("noisy", 0, false)), new: newReport(stalled("noisy", 10)), want: []string{"noisy/verdict"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			regs := Diff(tc.old, tc.new)
			if got := kinds(regs); strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("Diff = %v, want %v\n%s", got, tc.want, FormatDiff(regs))
			}
			text := FormatDiff(regs)
			if len(tc.want) == 0 && text != "no SLO regressions\n" {
				t.Errorf("FormatDiff(none) = %q", text)
			}
			for _, r := range regs {
				if !strings.Contains(text, r.Message) {
					t.Errorf("FormatDiff lacks %q", r.Message)
				}
			}
		})
	}
}

// couldNotRun adds the breach RunSuite records for a scenario that could
// not be carried out (it has no result).
func couldNotRun(r Report, scenario string) Report {
	r.Breaches = append(r.Breaches, slo.Breach{Scenario: scenario, SLO: "expectation", Got: "steady state never held", Want: "the scenario runs to the end"})
	r.Judge()
	return r
}

func TestDiffNamesFaultAndTarget(t *testing.T) {
	regs := Diff(newReport(scenario("a", 0, false)), newReport(scenario("a", 150, false)))
	want := Regression{Scenario: "a", Fault: "kill <pg> & co", Target: "api", Kind: RegressionRecovery, Old: "0s (no impact)", New: "15s",
		Message: `scenario "a" fault "kill <pg> & co" target "api" recovery up: 0s (no impact) → 15s (0 → 150 failed probes)`}
	if len(regs) != 1 || regs[0] != want {
		t.Errorf("Diff(0 s → 15 s) = %+v, want [%+v]", regs, want)
	}
}

func TestUnmatched(t *testing.T) {
	onlyOld, onlyNew := Unmatched(newReport(scenario("a", 0, false), scenario("b", 0, false)), newReport(scenario("b", 0, false), scenario("c", 0, false)))
	if strings.Join(onlyOld, ",") != "a" || strings.Join(onlyNew, ",") != "c" {
		t.Errorf("Unmatched = %v, %v; want [a], [c]", onlyOld, onlyNew)
	}
}
