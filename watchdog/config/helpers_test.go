package config

import (
	"errors"
	"regexp"
	"testing"
	"time"
)

// fileLine is how every config error must start: file:line: .
var fileLine = regexp.MustCompile(`^[^\n]+:[1-9][0-9]*: `)

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

// within runs fn and fails the test when it has not returned after limit.
// On failure fn keeps running in the background until the test binary exits.
func within[T any](t *testing.T, limit time.Duration, what string, fn func() T) T {
	t.Helper()
	done := make(chan T, 1)
	go func() { done <- fn() }()
	select {
	case v := <-done:
		return v
	case <-time.After(limit):
		t.Fatalf("%s took more than %s", what, limit)
		panic("unreachable")
	}
}
