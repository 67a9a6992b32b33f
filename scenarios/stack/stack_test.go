package stack

import (
	"os"
	"testing"
)

func TestOptionsDefaults(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		opts Options
		want Options
	}{
		{"zero", nil, Options{}, Options{PostgresImage: DefaultPostgresImage, ToxiproxyImage: DefaultToxiproxyImage, SolanaImage: DefaultSolanaImage}},
		{"env", map[string]string{EnvPostgresImage: "postgres:16-alpine", EnvToxiproxyImage: "ghcr.io/shopify/toxiproxy:2.12.0", EnvSolanaImage: "anzaxyz/agave:v2.1.0", EnvStackImage: "vigil/stack:latest"}, Options{},
			Options{PostgresImage: "postgres:16-alpine", ToxiproxyImage: "ghcr.io/shopify/toxiproxy:2.12.0", SolanaImage: "anzaxyz/agave:v2.1.0", StackImage: "vigil/stack:latest"}},
		{"options win over env", map[string]string{EnvPostgresImage: "postgres:16-alpine"}, Options{PostgresImage: "mine:1"},
			Options{PostgresImage: "mine:1", ToxiproxyImage: DefaultToxiproxyImage, SolanaImage: DefaultSolanaImage}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []string{EnvPostgresImage, EnvToxiproxyImage, EnvSolanaImage, EnvStackImage} {
				t.Setenv(k, tc.env[k])
			}
			got := tc.opts.withDefaults()
			if got.PostgresImage != tc.want.PostgresImage || got.ToxiproxyImage != tc.want.ToxiproxyImage ||
				got.SolanaImage != tc.want.SolanaImage || got.StackImage != tc.want.StackImage {
				t.Errorf("withDefaults() images = %q %q %q %q, want %q %q %q %q",
					got.PostgresImage, got.ToxiproxyImage, got.SolanaImage, got.StackImage,
					tc.want.PostgresImage, tc.want.ToxiproxyImage, tc.want.SolanaImage, tc.want.StackImage)
			}
			if got.RunID == "" || got.PostgresPassword == "" || got.StartTimeout <= 0 || got.Logger == nil {
				t.Errorf("withDefaults() left RunID/PostgresPassword/StartTimeout/Logger empty: %+v", got)
			}
		})
	}
}

func TestOwnerGone(t *testing.T) {
	host, _ := os.Hostname()
	tests := []struct {
		name   string
		labels map[string]string
		want   bool
	}{
		{"this process", labels("x"), false},
		{"dead pid", map[string]string{LabelHost: host, LabelPID: "999999999"}, true},
		{"other host", map[string]string{LabelHost: host + "-elsewhere", LabelPID: "1"}, true},
		{"no pid label", map[string]string{LabelHost: host}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ownerGone(tc.labels); got != tc.want {
				t.Errorf("ownerGone(%v) = %v, want %v", tc.labels, got, tc.want)
			}
		})
	}
}
