package config

import (
	"slices"
	"testing"
)

func TestStartOrder(t *testing.T) {
	tests := []struct {
		name      string
		src       string
		wantStart []string
	}{
		{"file order without deps", `version: 1
services:
  c: {command: [./c]}
  a: {command: [./a]}
  b: {command: [./b]}
`, []string{"c", "a", "b"}},
		{"deps first, ties by file order", `version: 1
services:
  web: {command: [./web], depends_on: {api: healthy}}
  api: {command: [./api], depends_on: {db: healthy, cache: started}}
  worker: {command: [./worker], depends_on: {db: started}}
  cache: {command: [./cache]}
  db: {command: [./db]}
  lone: {command: [./lone]}
`, []string{"cache", "db", "api", "web", "worker", "lone"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := parseOK(t, tc.src, nil)
			if got := c.StartOrder(); !slices.Equal(got, tc.wantStart) {
				t.Errorf("StartOrder() = %v, want %v", got, tc.wantStart)
			}
			wantStop := slices.Clone(tc.wantStart)
			slices.Reverse(wantStop)
			if got := c.StopOrder(); !slices.Equal(got, wantStop) {
				t.Errorf("StopOrder() = %v, want %v", got, wantStop)
			}
		})
	}
}

// TestStartOrderCycle pins that a hand-built cyclic config still yields
// every service once instead of looping.
func TestStartOrderCycle(t *testing.T) {
	c := &Config{
		Order: []string{"a", "b", "c"},
		Services: map[string]*Service{
			"a": {DependsOn: map[string]Condition{"b": ConditionStarted}},
			"b": {DependsOn: map[string]Condition{"a": ConditionStarted}},
			"c": {},
		},
	}
	if got, want := c.StartOrder(), []string{"c", "a", "b"}; !slices.Equal(got, want) {
		t.Errorf("StartOrder() = %v, want %v", got, want)
	}
}

func TestServiceEqual(t *testing.T) {
	base := `version: 1
services:
  web:
    command: [./web]
    health:
      liveness:
        - tcp: {address: "127.0.0.1:1"}
`
	moved := `version: 1
# a comment that shifts every line
services:
  other: {command: [./other]}
  web:
    command: [./web]
    env: {}
    health:
      liveness:
        - tcp: {address: "127.0.0.1:1"}
`
	changed := `version: 1
services:
  web:
    command: [./web]
    health:
      liveness:
        - tcp: {address: "127.0.0.1:1"}
          interval: 5s
`
	a := parseOK(t, base, nil).Services["web"]
	tests := []struct {
		name string
		b    *Service
		want bool
	}{
		{"same", parseOK(t, base, nil).Services["web"], true},
		{"moved lines and empty env", parseOK(t, moved, nil).Services["web"], true},
		{"changed interval", parseOK(t, changed, nil).Services["web"], false},
		{"nil", nil, false},
	}
	for _, tc := range tests {
		if got := a.Equal(tc.b); got != tc.want {
			t.Errorf("%s: Equal() = %v, want %v", tc.name, got, tc.want)
		}
	}
	secret := parseOK(t, base, nil).Services["web"]
	secret.SecretEnv = map[string]string{"K": "v"}
	if a.Equal(secret) {
		t.Error("Equal() = true for services whose env_file contents differ, want false")
	}
}
