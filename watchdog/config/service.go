package config

import (
	"maps"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// redactMinLen is the shortest secret Redact hides; shorter values would
// blank out ordinary words.
const redactMinLen = 4

// Redacted replaces secret values in text scrubbed by Redact.
const Redacted = "[redacted]"

// Environ returns the service's own variables as sorted KEY=VALUE strings
// for exec: env_file (SecretEnv) merged with env, where an explicit env entry
// wins over the same key from env_file. The watchdog's inherited environment
// is not included; the caller adds it first.
func (s *Service) Environ() []string {
	merged := make(map[string]string, len(s.Env)+len(s.SecretEnv))
	for k, v := range s.SecretEnv {
		merged[k] = v
	}
	for k, v := range s.Env {
		merged[k] = v
	}
	out := make([]string, 0, len(merged))
	for _, k := range slices.Sorted(maps.Keys(merged)) {
		out = append(out, k+"="+merged[k])
	}
	return out
}

// Redact replaces every SecretEnv value of at least 4 bytes in text with
// "[redacted]", longest first, so the supervisor can scrub its own log lines
// and error messages before printing them.
func (s *Service) Redact(text string) string { return redact(text, s.SecretEnv) }

// RedactEnv is Redact for text a check produced: it also hides every env
// value. Checks run with the service's whole environment (an exec check can
// print any of it), and their output reaches status, events, alerts and the
// unauthenticated api.listen.
func (s *Service) RedactEnv(text string) string { return redact(text, s.SecretEnv, s.Env) }

// redact replaces the values of vars (at least redactMinLen bytes long) in
// text, longest first, both as written and as escaped inside a %q quote.
func redact(text string, vars ...map[string]string) string {
	var secrets []string
	for _, m := range vars {
		for _, v := range m {
			if len(v) < redactMinLen {
				continue
			}
			q := strconv.Quote(v)
			for _, form := range []string{v, q[1 : len(q)-1]} {
				if strings.Contains(text, form) {
					secrets = append(secrets, form)
				}
			}
		}
	}
	sort.Slice(secrets, func(i, j int) bool { return len(secrets[i]) > len(secrets[j]) })
	for _, v := range secrets {
		text = strings.ReplaceAll(text, v, Redacted)
	}
	return text
}

// Equal reports whether s and o configure the same thing, ignoring where in
// the file they were written (Line fields) and empty-versus-absent lists and
// maps. Reload keeps a service whose config is Equal running untouched.
func (s *Service) Equal(o *Service) bool {
	if s == nil || o == nil {
		return s == o
	}
	return reflect.DeepEqual(s.comparable(), o.comparable())
}

// comparable is a copy of s without positions, with empty collections nil.
func (s *Service) comparable() Service {
	c := *s
	c.Line = 0
	c.Command = nilIfEmpty(c.Command)
	c.Ports = nilIfEmpty(c.Ports)
	c.Sockets = nilIfEmpty(c.Sockets)
	if len(c.Env) == 0 {
		c.Env = nil
	}
	if len(c.SecretEnv) == 0 {
		c.SecretEnv = nil
	}
	if len(c.DependsOn) == 0 {
		c.DependsOn = nil
	}
	c.Health.Liveness = checksWithoutLines(c.Health.Liveness)
	c.Health.Readiness = checksWithoutLines(c.Health.Readiness)
	return c
}

func checksWithoutLines(cs []Check) []Check {
	if len(cs) == 0 {
		return nil
	}
	out := append([]Check(nil), cs...)
	for i := range out {
		out[i].Line = 0
	}
	return out
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}
