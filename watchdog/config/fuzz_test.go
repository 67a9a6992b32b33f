package config

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse pins that no input panics, that failures are always Errors, and
// that whatever Parse accepts also passes Validate.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		minimal,
		"",
		"version: 1\nservices: {a: {command: [./a], depends_on: {b: started}}, b: {command: ./b}}\n",
		"version: 1\nx-r: &r {policy: never}\nservices:\n  a: {command: [./a], restart: {<<: *r}}\n",
		"version: 1\nservices:\n  a:\n    command: [\"${X:-./a}\"]\n    ports: [\"${P:-80}\"]\n    max_memory: 1GiB\n",
		"version: 1\nalerts: [{webhook: {url: 'http://h/'}}]\nservices: {a: {command: [a]}}\n",
		"a: &a [*a]\n",
		"services: &s {a: *s}\n",
	} {
		f.Add([]byte(seed))
	}
	lookup := env{"X": "x", "P": "8080"}.lookup
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseWithEnv(data, filepath.Join(t.TempDir(), "vigil.yaml"), lookup)
		if err != nil {
			var es Errors
			if !errors.As(err, &es) || len(es) == 0 {
				t.Fatalf("ParseWithEnv() error %T %v, want non-empty Errors", err, err)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Validate() after a successful Parse = %v", err)
		}
		if got := len(c.StartOrder()); got != len(c.Services) {
			t.Fatalf("StartOrder() has %d names for %d services", got, len(c.Services))
		}
	})
}

// TestHugeAliasExpansion pins that alias fan-out is bounded: the document
// is refused quickly instead of being expanded.
func TestHugeAliasExpansion(t *testing.T) {
	src := "version: 1\nx-checks: &c\n"
	for range 2000 {
		src += "  - {tcp: {address: \"127.0.0.1:1\"}}\n"
	}
	src += "services:\n"
	for i := range 200 {
		src += "  s" + string(rune('a'+i%26)) + string(rune('a'+i/26)) + ": {command: [./x], health: {liveness: *c}}\n"
	}
	es := parseErrs(t, src, nil)
	if got := es.Error(); !strings.Contains(got, "document too large") {
		t.Errorf("Parse() = %.300s..., want document too large", got)
	}
}
