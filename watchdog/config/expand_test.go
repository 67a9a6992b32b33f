package config

import (
	"strings"
	"testing"
)

func TestExpand(t *testing.T) {
	vars := env{"HOST": "db.internal", "EMPTY": "", "PORT": "5432"}
	tests := []struct {
		in, want, err string
	}{
		{in: "plain", want: "plain"},
		{in: "${HOST}:${PORT}", want: "db.internal:5432"},
		{in: "${MISSING:-127.0.0.1}", want: "127.0.0.1"},
		{in: "${EMPTY:-fallback}", want: "fallback"},
		{in: "${EMPTY}", want: ""},
		{in: "${MISSING:-}", want: ""},
		{in: "cost $$5 and $$${PORT}", want: "cost $5 and $5432"},
		{in: "echo $HOME $1 $", want: "echo $HOME $1 $"},
		{in: "${MISSING}", err: "${MISSING} is not set: export MISSING before starting vigil or write ${MISSING:-default}"},
		{in: "${HOST", err: `unterminated "${"`},
		{in: "${1BAD}", err: "invalid variable reference ${1BAD}"},
		{in: "${}", err: "invalid variable reference ${}"},
	}
	for _, tc := range tests {
		got, err := expand(tc.in, vars.lookup)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("expand(%q) error = %v, want %q", tc.in, err, tc.err)
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("expand(%q) = %q, %v, want %q", tc.in, got, err, tc.want)
		}
	}
}

// TestExpandInConfig pins that every scalar string value is expanded, that
// quoted ${VAR} works for numbers and durations, and that keys are not.
func TestExpandInConfig(t *testing.T) {
	vars := env{"WEB_PORT": "8081", "CHECK_EVERY": "2s", "DSN": "postgres://u:p@127.0.0.1/db"}
	c := parseOK(t, `version: 1
api:
  listen: "127.0.0.1:${API_PORT:-9090}"
services:
  web:
    command: ["./web", "-port", "${WEB_PORT}", "-dollar", "$$HOME"]
    ports: ["${WEB_PORT}"]
    env:
      DB: "${DSN}"
    health:
      readiness:
        - postgres: {dsn: "${DSN}"}
          interval: "${CHECK_EVERY}"
        - http:
            url: http://127.0.0.1:1/
            headers: {"X-${NOT_EXPANDED}": "${WEB_PORT}"}
`, vars)
	web := c.Services["web"]
	tests := []struct{ what, got, want string }{
		{"api.listen default", c.API.Listen, "127.0.0.1:9090"},
		{"command", strings.Join(web.Command, " "), "./web -port 8081 -dollar $HOME"},
		{"env", web.Env["DB"], "postgres://u:p@127.0.0.1/db"},
		{"map keys are not expanded", web.Health.Readiness[1].HTTP.Headers["X-${NOT_EXPANDED}"], "8081"},
		{"dsn", web.Health.Readiness[0].Postgres.DSN, "postgres://u:p@127.0.0.1/db"},
		{"interval", web.Health.Readiness[0].Interval.String(), "2s"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("Parse() %s = %q, want %q", tc.what, tc.got, tc.want)
		}
	}
	if web.Ports[0] != 8081 {
		t.Errorf("Parse() ports = %v, want [8081]", web.Ports)
	}
}

// TestExpandedValueNotEchoed pins that a bad value coming from ${VAR} is
// reported as written, so a secret in the environment is not printed.
func TestExpandedValueNotEchoed(t *testing.T) {
	es := parseErrs(t, `version: 1
services:
  web:
    command: [./web]
    health:
      liveness:
        - http: {url: "${HEALTH_URL}"}
`, env{"HEALTH_URL": "ftp://user:hunter2@host/"})
	if got := es.Error(); strings.Contains(got, "hunter2") || !strings.Contains(got, `vigil.yaml:7: services.web.health.liveness[0].http.url: "${HEALTH_URL}" is not an absolute`) {
		t.Errorf("Parse() = %v, want the url error showing ${HEALTH_URL} and not its value", got)
	}
}
