package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/vigilhq/vigil/slo"
)

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// WriteJUnit writes r as JUnit XML: a suite per scenario with one test case
// per SLO (failed when breached, skipped when the scenario cannot measure
// it), plus a "release" suite for the aggregate availability.
func WriteJUnit(w io.Writer, r Report) error {
	doc := junitSuites{Name: "vigil-slo " + r.Release}
	for _, s := range r.Scenarios {
		start, end := span(s)
		suite := junitSuite{Name: s.Name, Time: fmt.Sprintf("%.3f", end.Sub(start).Seconds()), Timestamp: start.UTC().Format("2006-01-02T15:04:05"),
			Properties: []junitProperty{{Name: "seed", Value: fmt.Sprint(s.Seed)}, {Name: "git_describe", Value: r.GitDescribe}}}
		for _, name := range slo.AllSLOs() {
			suite.Cases = append(suite.Cases, r.junitCase(s, name))
		}
		doc.Suites = append(doc.Suites, suite)
	}
	a := r.Aggregate
	doc.Suites = append(doc.Suites, junitSuite{Name: slo.ReleaseScenario, Time: "0", Cases: []junitCase{r.caseFor(slo.ReleaseScenario, slo.SLOAvailability,
		fmt.Sprintf("projected %s (%s downtime per 30 days); raw %s over %d probes", slo.Pct(a.Projected), slo.Dur(a.Downtime30d), slo.Pct(a.Ratio), a.Total))}})
	for i := range doc.Suites {
		st := &doc.Suites[i]
		st.Tests = len(st.Cases)
		for _, c := range st.Cases {
			if c.Failure != nil {
				st.Failures++
			}
			if c.Skipped != nil {
				st.Skipped++
			}
		}
		doc.Tests += st.Tests
		doc.Failures += st.Failures
		doc.Skipped += st.Skipped
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("encode junit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// junitCase builds the test case of SLO name for scenario s.
func (r Report) junitCase(s slo.ScenarioResult, name string) junitCase {
	switch name {
	case slo.SLORecovery:
		if len(s.Faults) == 0 {
			return skipped(s.Name, name, "scenario injects no fault")
		}
		var lines []string
		for _, f := range s.Faults {
			for _, rec := range f.Recoveries {
				lines = append(lines, fmt.Sprintf("%s/%s: %s %s", f.Name, rec.Target, rec.Status, slo.Dur(rec.Duration)))
			}
		}
		return r.caseFor(s.Name, name, strings.Join(lines, "\n"))
	case slo.SLOAvailability:
		var lines []string
		for _, t := range s.Targets {
			lines = append(lines, fmt.Sprintf("%s: run %s (%d/%d), projected %s", t.Target, slo.Pct(t.Ratio), t.Good, t.Total, slo.Pct(t.Projection.Availability)))
		}
		return r.caseFor(s.Name, name, strings.Join(lines, "\n"))
	default:
		if s.Set == nil {
			return skipped(s.Name, name, "scenario writes no data")
		}
		st := s.Set
		return r.caseFor(s.Name, name, fmt.Sprintf("attempted %d, acknowledged %d, lost %d, duplicates %d, unexpected %d, failed yet present %d, recovered %d",
			st.Attempted, st.Acknowledged, len(st.Lost), len(st.Duplicates), len(st.Unexpected), len(st.FailedPresent), len(st.Recovered)))
	}
}

// caseFor is a test case that fails with every breach of scenario and SLO.
func (r Report) caseFor(scenario, sloName, out string) junitCase {
	c := junitCase{Name: sloName, Classname: "vigil.slo." + scenario, Time: "0", SystemOut: out}
	bs := r.breachesFor(scenario, sloName)
	if len(bs) == 0 {
		return c
	}
	var text []string
	for _, b := range bs {
		text = append(text, b.String())
	}
	c.Failure = &junitFailure{Message: bs[0].String(), Type: "SLOBreach", Text: strings.Join(text, "\n")}
	return c
}

func skipped(scenario, sloName, why string) junitCase {
	return junitCase{Name: sloName, Classname: "vigil.slo." + scenario, Time: "0", Skipped: &junitSkipped{Message: why}}
}
