package config

import (
	"strings"
	"testing"
	"time"
)

func TestDerivePubSubURL(t *testing.T) {
	tests := []struct{ rpc, want string }{
		{"http://127.0.0.1:8899", "ws://127.0.0.1:8900/"},
		{"https://rpc.example:443/path", "wss://rpc.example:444/"},
		{"http://[::1]:8899", "ws://[::1]:8900/"},
		{"http://127.0.0.1", ""},
		{"ftp://127.0.0.1:8899", ""},
	}
	for _, tc := range tests {
		got, err := DerivePubSubURL(tc.rpc)
		if (err != nil) != (tc.want == "") || got != tc.want {
			t.Errorf("DerivePubSubURL(%q) = %q, %v; want %q", tc.rpc, got, err, tc.want)
		}
	}
}

// TestSolanaPubSubConfig: `pubsub: {}` opts in with the derived URL and
// the check's timeout as bound; bad URLs and bounds longer than the
// timeout are refused with their line.
func TestSolanaPubSubConfig(t *testing.T) {
	c := parseOK(t, `version: 1
services:
  node:
    command: [./node]
    health:
      readiness:
        - solana: {url: "http://127.0.0.1:8899", pubsub: {}}
          timeout: 2s
        - solana: {url: "http://127.0.0.1:8899", pubsub: {url: "ws://127.0.0.1:9000", within: 500ms}}
          timeout: 2s
`, nil)
	checks := c.Services["node"].Health.Readiness
	if u, err := checks[0].Solana.PubSubURL(); err != nil || u != "ws://127.0.0.1:8900/" {
		t.Errorf("derived PubSubURL = %q, %v; want ws://127.0.0.1:8900/", u, err)
	}
	if w := checks[0].Solana.PubSub.Within; w != 0 {
		t.Errorf("default within = %s, want 0 (the rest of the timeout)", w)
	}
	if u, _ := checks[1].Solana.PubSubURL(); u != "ws://127.0.0.1:9000" {
		t.Errorf("explicit PubSubURL = %q", u)
	}
	if w := checks[1].Solana.PubSub.Within; w != 500*time.Millisecond {
		t.Errorf("within = %s, want 500ms", w)
	}

	es := parseErrs(t, `version: 1
services:
  node:
    command: [./node]
    health:
      readiness:
        - solana: {url: "http://127.0.0.1", pubsub: {}}
        - solana: {url: "http://127.0.0.1:8899", pubsub: {url: "http://127.0.0.1:8900"}}
        - solana: {url: "http://127.0.0.1:8899", pubsub: {within: 5s}}
          timeout: 1s
`, nil)
	got := es.Error()
	for _, want := range []string{
		"services.node.health.readiness[0].solana.pubsub: cannot derive the PubSub URL",
		`services.node.health.readiness[1].solana.pubsub.url: "http://127.0.0.1:8900" is not an absolute ws:// or wss:// URL`,
		"services.node.health.readiness[2].solana.pubsub.within: within 5s is longer than timeout 1s",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("errors:\n%s\nwant one containing %q", got, want)
		}
	}
}
