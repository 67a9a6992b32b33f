package config

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestParseEnvFile(t *testing.T) {
	src := `# comment

A=1
export B = two words # trailing comment
C="quoted # not a comment\nnext"
D='single $literal'
E=
F="has \"escaped\" quotes"
`
	vars, errs := parseEnvFile([]byte(src))
	if len(errs) != 0 {
		t.Fatalf("parseEnvFile() errors = %v", errs)
	}
	want := map[string]string{
		"A": "1", "B": "two words", "C": "quoted # not a comment\nnext",
		"D": "single $literal", "E": "", "F": `has "escaped" quotes`,
	}
	for k, w := range want {
		if vars[k] != w {
			t.Errorf("parseEnvFile() %s = %q, want %q", k, vars[k], w)
		}
	}
	if len(vars) != len(want) {
		t.Errorf("parseEnvFile() = %d vars, want %d", len(vars), len(want))
	}
}

// TestEnvFileSecrecy pins that env_file values reach only SecretEnv and
// Environ: not Env, not JSON, and never an error message, even when the
// line holding them is malformed.
func TestEnvFileSecrecy(t *testing.T) {
	const (
		token = "tok-5ecret-value-1"
		pass  = "pa55-secret-value-2"
		stray = "stray-secret-value-3"
		dup   = "dup-secret-value-4"
	)
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("good.env", "TOKEN="+token+"\nSHARED=from-file\n")
	bad := write("bad.env", "# header\nPASS=\""+pass+"\n"+stray+"\n1BAD="+stray+"\nTOKEN=x\nTOKEN="+dup+"\n")
	cfg := write("vigil.yaml", `version: 1
services:
  good:
    command: [./good]
    env_file: good.env
    env: {SHARED: from-env, PLAIN: x}
  bad:
    command: [./bad]
    env_file: bad.env
`)

	_, err := Load(cfg)
	if err == nil {
		t.Fatal("Load() with a malformed env file succeeded")
	}
	text := err.Error()
	for _, secret := range []string{pass, stray, dup} {
		if strings.Contains(text, secret) {
			t.Errorf("Load() error leaks %q:\n%s", secret, text)
		}
	}
	for _, want := range []string{
		bad + ":2: services.bad.env_file: key PASS: unterminated \" quote",
		bad + ":3: services.bad.env_file: line has no \"=\"",
		bad + ":4: services.bad.env_file: invalid variable name",
		bad + ":6: services.bad.env_file: key TOKEN is already set at line 5",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("Load() error:\n%s\nwant a line containing %q", text, want)
		}
	}

	write("bad.env", "PASS="+pass+"\n")
	c, err := Load(cfg)
	if err != nil {
		t.Fatalf("Load() = %v", err)
	}
	good := c.Services["good"]
	if good.SecretEnv["TOKEN"] != token {
		t.Errorf("SecretEnv[TOKEN] = %q, want the env_file value", good.SecretEnv["TOKEN"])
	}
	if _, ok := good.Env["TOKEN"]; ok {
		t.Errorf("Env = %v, want env_file values kept out of Env", good.Env)
	}
	wantEnv := []string{"PLAIN=x", "SHARED=from-env", "TOKEN=" + token}
	if got := good.Environ(); !slices.Equal(got, wantEnv) {
		t.Errorf("Environ() = %v, want %v (explicit env wins)", got, wantEnv)
	}
	b, _ := json.Marshal(c)
	if dump := string(b) + fmt.Sprint(good.Env); strings.Contains(dump, token) || strings.Contains(dump, pass) {
		t.Errorf("json.Marshal(config) leaks an env_file value: %s", dump)
	}
}

func TestRedact(t *testing.T) {
	s := &Service{SecretEnv: map[string]string{
		"LONG":  "abcdefgh",
		"SHORT": "abc", // too short to redact safely
		"INNER": "cdef",
		"EMPTY": "",
	}}
	tests := []struct{ in, want string }{
		{"nothing here", "nothing here"},
		{"dsn=abcdefgh;", "dsn=[redacted];"},
		{"x cdef y abc", "x [redacted] y abc"},
		{"abcdefgh and cdef", "[redacted] and [redacted]"},
	}
	for _, tc := range tests {
		if got := s.Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestRedactEnvHidesEnvValues(t *testing.T) {
	s := &Service{
		SecretEnv: map[string]string{"FILE": "from-file"},
		Env:       map[string]string{"SECRET_TOKEN": "tok-123", "QUOTED": `pa"ss\word`, "SHORT": "abc"},
	}
	tests := []struct{ in, want string }{
		{"token=tok-123 file=from-file", "token=[redacted] file=[redacted]"},
		{`output "pa\"ss\\word"`, `output "[redacted]"`}, // %q-quoted check output
		{"raw pa\"ss\\word", "raw [redacted]"},
		{"abc stays", "abc stays"},
	}
	for _, tc := range tests {
		if got := s.RedactEnv(tc.in); got != tc.want {
			t.Errorf("RedactEnv(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := s.Redact("tok-123"); got != "tok-123" {
		t.Errorf("Redact(%q) = %q, want env values left to RedactEnv", "tok-123", got)
	}
}
