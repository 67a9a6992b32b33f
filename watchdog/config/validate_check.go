package config

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

var httpMethod = regexp.MustCompile(`^[A-Z]+$`)

// checks validates a service's liveness and readiness checks.
func (v *validator) checks(p string, s *Service) {
	names := map[string]string{}
	lists := []struct {
		name   string
		checks []Check
	}{{"liveness", s.Health.Liveness}, {"readiness", s.Health.Readiness}}
	for _, l := range lists {
		for i := range l.checks {
			cp := fmt.Sprintf("%s.health.%s[%d]", p, l.name, i)
			c := &l.checks[i]
			v.check(cp, c)
			if first, dup := names[c.Name]; dup && c.Name != "" {
				v.errf(cp+".name", "check name %q is also used by %s: give each check its own name", c.Name, first)
			} else {
				names[c.Name] = cp
			}
		}
	}
}

func (v *validator) check(p string, c *Check) {
	kinds := c.kinds()
	switch len(kinds) {
	case 0:
		v.errf(p, "no check kind: set exactly one of http, tcp, exec, postgres, solana or process")
	case 1:
		v.checkKind(p, c)
	default:
		v.errf(p, "one check has several kinds (%s): make each its own list item", strings.Join(kinds, ", "))
	}
	if c.Interval <= 0 {
		v.errf(p+".interval", "must be more than 0, such as 10s")
	}
	switch {
	case c.Timeout <= 0:
		v.errf(p+".timeout", "must be more than 0, such as 1s")
	case c.Interval > 0 && c.Timeout >= c.Interval:
		v.errf(p+".timeout", "timeout %s must be shorter than interval %s: lower timeout or raise interval", c.Timeout, c.Interval)
	}
	if c.Failures < 1 {
		v.errf(p+".failures", "must be at least 1: consecutive failures before the check fails")
	}
	if c.Successes < 1 {
		v.errf(p+".successes", "must be at least 1: consecutive successes before the check passes")
	}
}

func (c *Check) kinds() []string {
	var out []string
	for _, k := range []struct {
		name string
		set  bool
	}{
		{"http", c.HTTP != nil}, {"tcp", c.TCP != nil}, {"exec", c.Exec != nil},
		{"postgres", c.Postgres != nil}, {"solana", c.Solana != nil}, {"process", c.Process != nil},
	} {
		if k.set {
			out = append(out, k.name)
		}
	}
	return out
}

func (v *validator) checkKind(p string, c *Check) {
	switch {
	case c.HTTP != nil:
		h := c.HTTP
		v.url(p+".http.url", h.URL)
		if !httpMethod.MatchString(h.Method) {
			v.errf(p+".http.method", "invalid method %q: use an upper-case method such as GET or HEAD", h.Method)
		}
		for i, code := range h.Status {
			if code < 100 || code > 599 {
				v.errf(fmt.Sprintf("%s.http.status[%d]", p, i), "status %d is not an HTTP status: use 100-599", code)
			}
		}
		if h.BodyRegex != "" {
			if _, err := regexp.Compile(h.BodyRegex); err != nil {
				v.errf(p+".http.body_regex", "invalid regular expression: %v", err)
			}
		}
	case c.TCP != nil:
		v.address(p+".tcp.address", c.TCP.Address)
	case c.Exec != nil:
		if len(c.Exec.Command) == 0 || c.Exec.Command[0] == "" {
			v.errf(p+".exec.command", `missing: add command: ["./bin/check"]`)
		}
		v.argv(p+".exec.command", c.Exec.Command)
	case c.Postgres != nil:
		if strings.TrimSpace(c.Postgres.DSN) == "" {
			v.errf(p+".postgres.dsn", "missing: set dsn, such as postgres://user@127.0.0.1:5432/db (use ${VAR} for passwords)")
		}
	case c.Solana != nil:
		v.url(p+".solana.url", c.Solana.URL)
		if c.Solana.MaxSlotLag > 0 && c.Solana.Reference == "" {
			v.errf(p+".solana.max_slot_lag", "needs reference: set reference to the RPC URL to compare slots with")
		}
		if c.Solana.Reference != "" {
			v.url(p+".solana.reference", c.Solana.Reference)
		}
		v.solanaPubSub(p, c)
	}
}

// url requires an absolute http(s) URL. The message shows the value as
// written, never as expanded: ${VAR} may hold a secret.
func (v *validator) url(p, s string) {
	if s == "" {
		v.errf(p, "missing: set an http:// or https:// URL")
		return
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		v.errf(p, "%s is not an absolute http:// or https:// URL: write one such as http://127.0.0.1:8080/health", v.asWritten(p))
	}
}

func (v *validator) address(p, s string) {
	if s == "" {
		v.errf(p, "missing: set host:port such as 127.0.0.1:5432")
		return
	}
	host, port, err := net.SplitHostPort(s)
	if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 1 || n > 65535 || host == "" {
		v.errf(p, "%s is not host:port: write one such as 127.0.0.1:5432", v.asWritten(p))
	}
}

// asWritten quotes the value of path as it was written in the file.
func (v *validator) asWritten(p string) string {
	if pos, ok := v.pos[p]; ok && pos.Raw != "" {
		return strconv.Quote(pos.Raw)
	}
	return "the value"
}
