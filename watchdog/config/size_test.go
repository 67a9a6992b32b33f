package config

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestParseByteSize(t *testing.T) {
	tests := []struct {
		in   string
		want ByteSize
		err  string
	}{
		{in: "1024", want: 1024},
		{in: "10MiB", want: 10 << 20},
		{in: "10MB", want: 10_000_000},
		{in: "64k", want: 64 << 10},
		{in: "1.5GiB", want: 3 << 29},
		{in: "", err: "empty size"},
		{in: "-1MiB", err: "invalid size"},
		{in: "NaN", err: "invalid size"},
		{in: "inf", err: "invalid size"},
		{in: "1e30TiB", err: "too large"},
	}
	for _, tc := range tests {
		got, err := ParseByteSize(tc.in)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("ParseByteSize(%q) error = %v, want %q", tc.in, err, tc.err)
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("ParseByteSize(%q) = %v, %v, want %v", tc.in, got, err, tc.want)
		}
	}
}

// TestByteSizeYAML pins that ByteSize also decodes through plain yaml.v3,
// for packages that read their own YAML.
func TestByteSizeYAML(t *testing.T) {
	var v struct {
		Max ByteSize `yaml:"max"`
	}
	if err := yaml.Unmarshal([]byte("max: 512KiB"), &v); err != nil || v.Max != 512<<10 {
		t.Errorf("yaml.Unmarshal(512KiB) = %v, %v, want 512KiB", v.Max, err)
	}
	if err := yaml.Unmarshal([]byte("max: [1]"), &v); err == nil {
		t.Error("yaml.Unmarshal([1]) succeeded, want an error")
	}
}
