package health

import (
	"strings"
	"testing"

	"github.com/vigilhq/vigil/watchdog/config"
)

func TestNewRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name    string
		c       config.Check
		deps    Deps
		wantErr string
	}{
		{name: "no kind", c: config.Check{Name: "x", Line: 7}, wantErr: `check "x" at line 7 sets 0 kinds`},
		{name: "two kinds", c: config.Check{HTTP: &config.HTTPCheck{URL: "http://x"}, TCP: &config.TCPCheck{Address: "x:1"}}, wantErr: "sets 2 kinds"},
		{name: "http no url", c: config.Check{HTTP: &config.HTTPCheck{}}, wantErr: "http.url is empty"},
		{name: "http bad regex", c: config.Check{HTTP: &config.HTTPCheck{URL: "http://x", BodyRegex: "("}}, wantErr: "http.body_regex"},
		{name: "http bad method", c: config.Check{HTTP: &config.HTTPCheck{URL: "http://x", Method: "BAD METHOD"}}, wantErr: "http.url"},
		{name: "tcp no port", c: config.Check{TCP: &config.TCPCheck{Address: "localhost"}}, wantErr: "write host:port"},
		{name: "exec empty", c: config.Check{Exec: &config.ExecCheck{}}, wantErr: "exec.command is empty"},
		{name: "postgres no dsn", c: config.Check{Postgres: &config.PostgresCheck{}}, wantErr: "postgres.dsn is empty"},
		{name: "postgres bad dsn hides secret", c: config.Check{Postgres: &config.PostgresCheck{DSN: "postgres://u:hunter2@h:notaport/db"}}, wantErr: "does not parse"},
		{name: "solana no url", c: config.Check{Solana: &config.SolanaCheck{}}, wantErr: "solana.url is empty"},
		{name: "solana bad program", c: config.Check{Solana: &config.SolanaCheck{URL: "http://x", Program: "not-base58!"}}, wantErr: "not a base58 public key"},
		{name: "solana lag without reference", c: config.Check{Solana: &config.SolanaCheck{URL: "http://x", MaxSlotLag: 5}}, wantErr: "needs solana.reference"},
		{name: "process without group", c: config.Check{Process: &config.ProcessCheck{}}, wantErr: "Deps.Group"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			chk, err := New(tc.c.Defaulted(), tc.deps)
			if err == nil {
				Close(chk)
				t.Fatalf("New() = nil error, want %q", tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("New() error = %q, want it to contain %q", err, tc.wantErr)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("New() error %q leaks the DSN password", err)
			}
		})
	}
}
