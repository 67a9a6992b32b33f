package config

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
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
	changed := base + "          interval: 5s\n" // base, with an interval on its tcp check
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

// TestQuadraticStartOrder pins issue 10 item 12: StartOrder rescanned the
// whole list after placing each service, so 20 000 services took seconds
// (and Status computed it on every call). Kahn's algorithm orders them in
// milliseconds; the bound here is two orders of magnitude above that.
func TestQuadraticStartOrder(t *testing.T) {
	const n = 20_000
	c := &Config{Services: map[string]*Service{}}
	for i := range n { // a reverse chain: s0 waits for s1, ..., the worst case
		name := fmt.Sprintf("s%d", i)
		c.Order = append(c.Order, name)
		s := &Service{Name: name}
		if i+1 < n {
			s.DependsOn = map[string]Condition{fmt.Sprintf("s%d", i+1): ConditionStarted}
		}
		c.Services[name] = s
	}
	order := within(t, 2*time.Second, "StartOrder() of 20 000 services", c.StartOrder)
	if len(order) != n || order[0] != fmt.Sprintf("s%d", n-1) || order[n-1] != "s0" {
		t.Fatalf("StartOrder() = %d names from %s to %s, want %d from s%d to s0", len(order), order[0], order[len(order)-1], n, n-1)
	}
}

// TestTooManyServices pins the other half of item 12: a config with more
// services than one watchdog supervises is refused at its services: line.
func TestTooManyServices(t *testing.T) {
	var b strings.Builder
	b.WriteString("version: 1\nservices:\n")
	for i := range maxServices + 1 {
		fmt.Fprintf(&b, "  s%d: {command: [./s]}\n", i)
	}
	es := parseErrs(t, b.String(), nil)
	want := fmt.Sprintf("vigil.yaml:2: services: %d services, more than the %d one watchdog supervises", maxServices+1, maxServices)
	if len(es) != 1 || !strings.HasPrefix(es[0].Error(), want) {
		t.Errorf("Parse(%d services) = %v, want one error starting %q", maxServices+1, es, want)
	}
}
