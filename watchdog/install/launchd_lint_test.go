package install

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"howett.net/plist"
)

// lintPlist is the part of `plutil -lint` and of launchd.plist(5) that can
// be checked without macOS: the XML follows Apple's PropertyList-1.0 DTD
// (one <plist version="1.0"> holding one <dict>; every dict alternates
// <key> and a value; values are the DTD's elements with well-formed
// content; no key twice), it decodes with howett.net/plist, and the keys
// launchd needs have the types and forms it expects. It returns every
// problem found.
func lintPlist(data []byte) []error {
	errs := lintDTD(data)
	var job map[string]any
	format, err := plist.Unmarshal(data, &job)
	switch {
	case err != nil:
		return append(errs, fmt.Errorf("decode: %w", err))
	case format != plist.XMLFormat:
		errs = append(errs, fmt.Errorf("format %s, want XML", plist.FormatNames[format]))
	}
	return append(errs, lintJob(job)...)
}

var reverseDNS = regexp.MustCompile(`^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$`)

// lintJob checks the launchd keys the watchdog's job relies on.
func lintJob(job map[string]any) []error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if l, ok := job["Label"].(string); !ok || !reverseDNS.MatchString(l) {
		bad("Label = %#v, want a reverse-DNS string", job["Label"])
	}
	args, _ := job["ProgramArguments"].([]any)
	if len(args) == 0 {
		bad("ProgramArguments = %#v, want a non-empty array of strings", job["ProgramArguments"])
	}
	for i, a := range args {
		s, ok := a.(string)
		if !ok || (i == 0 && !filepath.IsAbs(s)) {
			bad("ProgramArguments[%d] = %#v, want a string (an absolute path first)", i, a)
		}
	}
	for _, k := range []string{"RunAtLoad", "KeepAlive"} {
		switch v := job[k].(type) {
		case bool:
		case map[string]any:
			for dk, dv := range v {
				if _, ok := dv.(bool); !ok && dk != "PathState" && dk != "OtherJobEnabled" {
					bad("%s.%s = %#v, want a boolean", k, dk, dv)
				}
			}
		default:
			bad("%s = %#v, want a boolean or a dictionary", k, job[k])
		}
	}
	for _, k := range []string{"StandardOutPath", "StandardErrorPath", "WorkingDirectory"} {
		if s, ok := job[k].(string); !ok || !filepath.IsAbs(s) {
			bad("%s = %#v, want an absolute path", k, job[k])
		}
	}
	for _, k := range []string{"ThrottleInterval", "ExitTimeOut", "Umask"} {
		if _, ok := job[k].(uint64); !ok {
			bad("%s = %#v, want a non-negative integer", k, job[k])
		}
	}
	env, ok := job["EnvironmentVariables"].(map[string]any)
	if !ok {
		bad("EnvironmentVariables = %#v, want a dictionary", job["EnvironmentVariables"])
	}
	for k, v := range env {
		if _, ok := v.(string); !ok {
			bad("EnvironmentVariables.%s = %#v, want a string", k, v)
		}
	}
	return errs
}

// lintDTD checks the document against PropertyList-1.0.dtd.
func lintDTD(data []byte) []error {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	var errs []error
	var doctype bool
	var roots int
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return append(errs, fmt.Errorf("xml: %w", err))
		}
		switch t := tok.(type) {
		case xml.Directive:
			doctype = doctype || strings.Contains(string(t), `DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN"`)
		case xml.StartElement:
			roots++
			if t.Name.Local != "plist" || attr(t, "version") != "1.0" {
				errs = append(errs, fmt.Errorf("root <%s version=%q>, want <plist version=\"1.0\">", t.Name.Local, attr(t, "version")))
			}
			kids, err := children(d)
			if err != nil {
				return append(errs, err)
			}
			if len(kids) != 1 || kids[0].XMLName.Local != "dict" {
				errs = append(errs, fmt.Errorf("<plist> holds %d elements, want one <dict>", len(kids)))
			}
			for _, k := range kids {
				errs = append(errs, k.lint("plist")...)
			}
		}
	}
	if !doctype {
		errs = append(errs, errors.New("no Apple PLIST 1.0 DOCTYPE"))
	}
	if roots != 1 {
		errs = append(errs, fmt.Errorf("%d root elements, want 1", roots))
	}
	return errs
}

// node is one element of the document, with its children and text.
type node struct {
	XMLName xml.Name
	Text    string `xml:",chardata"`
	Kids    []node `xml:",any"`
}

// children decodes the elements inside the current one.
func children(d *xml.Decoder) ([]node, error) {
	var kids []node
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, fmt.Errorf("xml: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			var n node
			if err := d.DecodeElement(&n, &t); err != nil {
				return nil, fmt.Errorf("xml: %w", err)
			}
			kids = append(kids, n)
		case xml.EndElement:
			return kids, nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return nil, fmt.Errorf("text %q between elements", t)
			}
		}
	}
}

// lint checks one value element; at names where it is.
func (n node) lint(at string) []error {
	at += "/" + n.XMLName.Local
	leaf := func(ok bool) []error {
		switch {
		case len(n.Kids) > 0:
			return []error{fmt.Errorf("%s: <%s> may hold only text", at, n.XMLName.Local)}
		case !ok:
			return []error{fmt.Errorf("%s: malformed %q", at, n.Text)}
		}
		return nil
	}
	switch n.XMLName.Local {
	case "string", "data", "date":
		return leaf(true)
	case "integer":
		_, err := strconv.ParseInt(strings.TrimSpace(n.Text), 0, 64)
		return leaf(err == nil)
	case "real":
		_, err := strconv.ParseFloat(strings.TrimSpace(n.Text), 64)
		return leaf(err == nil)
	case "true", "false":
		return leaf(strings.TrimSpace(n.Text) == "")
	case "array":
		var errs []error
		for _, k := range n.Kids {
			errs = append(errs, k.lint(at)...)
		}
		return errs
	case "dict":
		return n.lintDict(at)
	}
	return []error{fmt.Errorf("%s: <%s> is not a plist value", at, n.XMLName.Local)}
}

// lintDict checks that a <dict> alternates <key> and a value, keys unique.
func (n node) lintDict(at string) []error {
	var errs []error
	if len(n.Kids)%2 != 0 {
		errs = append(errs, fmt.Errorf("%s: %d elements, want <key>/value pairs", at, len(n.Kids)))
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Kids); i += 2 {
		k, v := n.Kids[i], n.Kids[i+1]
		if k.XMLName.Local != "key" || len(k.Kids) > 0 {
			errs = append(errs, fmt.Errorf("%s: <%s> where a <key> belongs", at, k.XMLName.Local))
			continue
		}
		if seen[k.Text] {
			errs = append(errs, fmt.Errorf("%s: key %q twice", at, k.Text))
		}
		seen[k.Text] = true
		errs = append(errs, v.lint(at+"["+k.Text+"]")...)
	}
	return errs
}

func attr(t xml.StartElement, name string) string {
	for _, a := range t.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// TestLaunchdPlistLint runs the Linux-side equivalent of `plutil -lint`
// plus launchd.plist(5)'s key types over every plist the installer renders.
// What launchd does with the job stays unverified here (docs/operations.md).
func TestLaunchdPlistLint(t *testing.T) {
	const cfgPath = "/usr/local/etc/vigil/vigil.yaml"
	for name, opts := range map[string]LaunchdOptions{
		"daemon": {Options: Options{Binary: "/usr/local/bin/watchdog", ConfigPath: cfgPath, Config: parseConfig(t, cfgDropsPrivileges, cfgPath)}},
		"agent": {Options: Options{Binary: "/usr/local/bin/watchdog", ConfigPath: cfgPath, Config: parseConfig(t, cfgMinimal, cfgPath), User: true, Home: "/Users/alice"},
			Env: map[string]string{"A&B": "<x>"}},
		"metacharacters": {Options: Options{Binary: "/opt/a&b <c>/watchdog", ConfigPath: "/opt/a&b <c>/vigil.yaml", Config: parseConfig(t, cfgMinimal, "/opt/a&b <c>/vigil.yaml")}},
	} {
		t.Run(name, func(t *testing.T) {
			data, err := LaunchdPlist(opts)
			if err != nil {
				t.Fatalf("LaunchdPlist: %v", err)
			}
			for _, err := range lintPlist(data) {
				t.Errorf("lint: %v", err)
			}
			if t.Failed() {
				t.Logf("plist:\n%s", data)
			}
		})
	}
}

// TestLintPlistRejects shows the lint catching what it claims to.
func TestLintPlistRejects(t *testing.T) {
	good, err := LaunchdPlist(LaunchdOptions{Options: Options{Binary: "/usr/local/bin/watchdog", ConfigPath: "/etc/vigil.yaml", Config: parseConfig(t, cfgMinimal, "/etc/vigil.yaml")}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, from, to, want string }{
		{"no label", "<key>Label</key>", "<key>Labels</key>", "Label"},
		{"label not reverse-DNS", "<string>com.vigilhq.vigil</string>", "<string>vigil</string>", "reverse-DNS"},
		{"relative program", "<string>/usr/local/bin/watchdog</string>", "<string>watchdog</string>", "ProgramArguments[0]"},
		{"keepalive string", "<key>KeepAlive</key>", "<key>KeepAlive</key><string>yes</string><key>X</key>", "KeepAlive"},
		{"relative log", "<string>/Library/Logs/vigil/watchdog.log</string>", "<string>watchdog.log</string>", "StandardErrorPath"},
		{"two dicts", "</dict>\n</plist>", "</dict><dict></dict></plist>", "one <dict>"},
		{"key twice", "<key>RunAtLoad</key>", "<key>Umask</key><integer>1</integer><key>RunAtLoad</key>", "twice"},
		{"bad integer", "<integer>5</integer>", "<integer>five</integer>", "malformed"},
		{"unknown element", "<true/>", "<yes/>", "not a plist value"},
		{"version", `<plist version="1.0">`, `<plist version="2.0">`, "version"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := bytes.Replace(good, []byte(tc.from), []byte(tc.to), 1)
			if bytes.Equal(bad, good) {
				t.Fatalf("%q not in the plist", tc.from)
			}
			errs := lintPlist(bad)
			if !strings.Contains(fmt.Sprint(errs), tc.want) {
				t.Errorf("lintPlist(%s) = %v, want an error about %s", tc.name, errs, tc.want)
			}
		})
	}
}
