package config

import (
	"bytes"
	"fmt"
	"regexp"
	"unicode/utf8"
)

// checkText refuses, with their line and column, what the YAML reader
// refuses without saying where: bytes that are not UTF-8 and characters
// YAML does not allow in a file.
func checkText(data []byte, errs *errorList) bool {
	line, col := 1, 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			errs.add(line, col, "", "byte 0x%02x is not UTF-8: save the file as UTF-8", data[i])
			return false
		case !yamlAllowed(r):
			errs.add(line, col, "", `control character %U is not allowed in YAML: remove it, or write it as an escape such as "\t" inside double quotes`, r)
			return false
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		i += size
	}
	return true
}

// yamlAllowed is YAML 1.2's c-printable, as yaml.v3's reader checks it.
func yamlAllowed(r rune) bool {
	switch {
	case r == '\t', r == '\n', r == '\r', r == 0x85:
		return true
	case r >= 0x20 && r <= 0x7e, r >= 0xa0 && r <= 0xd7ff, r >= 0xe000 && r <= 0xfffd:
		return true
	}
	return r >= 0x10000 && r <= utf8.MaxRune
}

var unknownAnchor = regexp.MustCompile(`unknown anchor '(.*)' referenced`)

// unplaced places a yaml.v3 error that carries no line. An unknown anchor
// is placed at the first use of its alias; anything else at line 1.
func unplaced(data []byte, msg string) (line int, text string) {
	m := unknownAnchor.FindStringSubmatch(msg)
	if m == nil {
		return 1, "YAML syntax: " + msg
	}
	text = fmt.Sprintf("alias *%s has no anchor: define &%s before using it", m[1], m[1])
	use := regexp.MustCompile(`\*` + regexp.QuoteMeta(m[1]) + `(?:$|[\s,\[\]{}])`)
	if loc := use.FindIndex(data); loc != nil {
		return bytes.Count(data[:loc[0]], []byte("\n")) + 1, text
	}
	return 1, text
}
