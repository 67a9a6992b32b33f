package config

import (
	"errors"
	"testing"
)

// env is a fake environment for ${VAR} expansion.
type env map[string]string

func (e env) lookup(name string) (string, bool) {
	v, ok := e[name]
	return v, ok
}

// parseOK parses src as vigil.yaml and fails the test on any error.
func parseOK(t *testing.T, src string, vars env) *Config {
	t.Helper()
	c, err := ParseWithEnv([]byte(src), "vigil.yaml", vars.lookup)
	if err != nil {
		t.Fatalf("ParseWithEnv() error:\n%v", err)
	}
	return c
}

// parseErrs parses src and returns its Errors, failing when it parses.
func parseErrs(t *testing.T, src string, vars env) Errors {
	t.Helper()
	_, err := ParseWithEnv([]byte(src), "vigil.yaml", vars.lookup)
	if err == nil {
		t.Fatalf("ParseWithEnv() succeeded, want errors")
	}
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("ParseWithEnv() error %T %v, want Errors", err, err)
	}
	return es
}
