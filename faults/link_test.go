package faults

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/Shopify/toxiproxy/v2"
	toxiclient "github.com/Shopify/toxiproxy/v2/client"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/vigilhq/vigil/faults/porttest"
)

// toxiEnv is an embedded Toxiproxy (its HTTP API on an httptest server on
// 127.0.0.1:0) with one proxy, "echo", in front of a line echo server.
type toxiEnv struct {
	client *toxiclient.Client
	proxy  string // the proxy's listen address
}

func startToxiproxy(t *testing.T) *toxiEnv {
	t.Helper()
	echo := startEcho(t)
	srv := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
	api := httptest.NewServer(srv.Routes())
	t.Cleanup(func() {
		api.Close()
		_ = srv.Collection.Clear() // stops every proxy and its goroutines
	})
	c := toxiclient.NewClient(api.URL)
	p, err := c.CreateProxy("echo", "127.0.0.1:0", echo)
	if err != nil {
		t.Fatalf("create proxy: %v", err)
	}
	return &toxiEnv{client: c, proxy: p.Listen}
}

// startEcho serves a line echo on loopback until t ends.
func startEcho(t *testing.T) string {
	t.Helper()
	return porttest.Serve(t, func(c net.Conn) { _, _ = io.Copy(c, c) })
}

// roundTrip dials addr, sends one line and reads it back within d.
func roundTrip(addr string, d time.Duration) (time.Duration, error) {
	start := time.Now()
	c, err := net.DialTimeout("tcp", addr, d)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	_ = c.SetDeadline(start.Add(d))
	if _, err := c.Write([]byte("ping\n")); err != nil {
		return 0, err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return 0, err
	}
	if line != "ping\n" {
		return 0, errors.New("echo returned " + line)
	}
	return time.Since(start), nil
}

func TestLinkCutRefusesThenRevertRestores(t *testing.T) {
	env := startToxiproxy(t)
	if _, err := roundTrip(env.proxy, 5*time.Second); err != nil {
		t.Fatalf("round trip before the cut: %v", err)
	}
	// A live connection through the proxy is dropped by the cut.
	live, err := net.DialTimeout("tcp", env.proxy, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()

	f := CutLink(env.client, "echo")
	revert, err := f.Inject(context.Background())
	if err != nil {
		t.Fatalf("Inject() = %v", err)
	}
	if _, err := roundTrip(env.proxy, 2*time.Second); err == nil {
		t.Fatal("round trip through a cut link succeeded, want it refused")
	}
	_ = live.SetReadDeadline(time.Now().Add(5 * time.Second))
	var ne net.Error
	if _, err := live.Read(make([]byte, 1)); err == nil || (errors.As(err, &ne) && ne.Timeout()) {
		t.Fatalf("read on a live connection across the cut = %v, want it closed", err)
	}
	// Cutting an already cut link is refused: its revert would undo ours.
	if _, err := CutLink(env.client, "echo").Inject(context.Background()); err == nil || !strings.Contains(err.Error(), "already disabled") {
		t.Fatalf("second cut = %v, want already disabled", err)
	}
	revertAndRoundTrip(t, env, revert)
}

func TestLinkLatencySlowsRoundTrips(t *testing.T) {
	env := startToxiproxy(t)
	base, err := roundTrip(env.proxy, 5*time.Second)
	if err != nil {
		t.Fatalf("baseline round trip: %v", err)
	}
	const delay = 300 * time.Millisecond
	revert, err := LinkLatency(env.client, "echo", delay, 0).Inject(context.Background())
	if err != nil {
		t.Fatalf("Inject() = %v", err)
	}
	slow, err := roundTrip(env.proxy, 10*time.Second)
	if err != nil {
		t.Fatalf("round trip under latency: %v", err)
	}
	// Latency is a lower bound: it cannot flake on a slow machine.
	if slow < delay {
		t.Fatalf("round trip under %s latency took %s (baseline %s), want ≥ %s", delay, slow, base, delay)
	}
	if err := revert(context.Background()); err != nil {
		t.Fatalf("revert() = %v", err)
	}
	assertNoToxics(t, env)
	t.Logf("round trip: baseline %s, with %s latency %s", base, delay, slow)
}

func TestLinkResetPeerResets(t *testing.T) {
	env := startToxiproxy(t)
	revert, err := LinkResetPeer(env.client, "echo", 0).Inject(context.Background())
	if err != nil {
		t.Fatalf("Inject() = %v", err)
	}
	if _, err := roundTrip(env.proxy, 5*time.Second); err == nil {
		t.Fatal("round trip through reset_peer succeeded, want a reset")
	}
	revertAndRoundTrip(t, env, revert)
}

func TestLinkTimeoutHoldsData(t *testing.T) {
	env := startToxiproxy(t)
	revert, err := LinkTimeout(env.client, "echo", 0).Inject(context.Background())
	if err != nil {
		t.Fatalf("Inject() = %v", err)
	}
	_, err = roundTrip(env.proxy, 300*time.Millisecond)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("round trip through timeout toxic = %v, want a read timeout", err)
	}
	revertAndRoundTrip(t, env, revert)
}

func TestLinkToxicsAddAndRemove(t *testing.T) {
	env := startToxiproxy(t)
	for _, tc := range []struct {
		fault    *LinkToxic
		wantName string
		wantAttr string
		wantVal  float64
	}{
		{LinkLatency(env.client, "echo", 200*time.Millisecond, 50*time.Millisecond), "link-latency-downstream", "jitter", 50},
		{LinkResetPeer(env.client, "echo", time.Second), "link-reset_peer-downstream", "timeout", 1000},
		{LinkBandwidth(env.client, "echo", 64), "link-bandwidth-downstream", "rate", 64},
		{LinkSlowClose(env.client, "echo", 2*time.Second), "link-slow_close-downstream", "delay", 2000},
		{LinkTimeout(env.client, "echo", 1500*time.Millisecond), "link-timeout-downstream", "timeout", 1500},
		{&LinkToxic{Toxi: env.client, Proxy: "echo", Type: "latency", Stream: Upstream, Toxicity: 0.5,
			Attributes: toxiclient.Attributes{"latency": 10}}, "link-latency-upstream", "latency", 10},
	} {
		t.Run(tc.wantName, func(t *testing.T) {
			if got := tc.fault.Name(); got != tc.wantName {
				t.Errorf("Name() = %q, want %q", got, tc.wantName)
			}
			revert, err := tc.fault.Inject(context.Background())
			if err != nil {
				t.Fatalf("Inject() = %v", err)
			}
			toxics := proxyToxics(t, env)
			if len(toxics) != 1 || toxics[0].Type != tc.fault.Type || toxics[0].Attributes[tc.wantAttr] != tc.wantVal {
				t.Fatalf("toxics = %+v, want one %s with %s=%v", toxics, tc.fault.Type, tc.wantAttr, tc.wantVal)
			}
			if _, err := tc.fault.Inject(context.Background()); err == nil {
				t.Errorf("second Inject() of the same toxic = nil, want a conflict")
			}
			if err := revert(context.Background()); err != nil {
				t.Fatalf("revert() = %v", err)
			}
			assertNoToxics(t, env)
		})
	}
}

func TestLinkRevertToleratesReset(t *testing.T) {
	env := startToxiproxy(t)
	revert, err := LinkLatency(env.client, "echo", time.Second, 0).Inject(context.Background())
	if err != nil {
		t.Fatalf("Inject() = %v", err)
	}
	if err := env.client.ResetState(); err != nil {
		t.Fatal(err)
	}
	if err := revert(context.Background()); err != nil {
		t.Fatalf("revert() of a toxic removed by a reset = %v, want nil", err)
	}
}

func TestLinkErrors(t *testing.T) {
	env := startToxiproxy(t)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		f    Fault
	}{
		{"unknown proxy", context.Background(), CutLink(env.client, "nope")},
		{"no client", context.Background(), CutLink(nil, "echo")},
		{"cancelled", cancelled, LinkLatency(env.client, "echo", time.Second, 0)},
		{"unknown toxic", context.Background(), &LinkToxic{Toxi: env.client, Proxy: "echo", Type: "nonsense"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.f.Inject(tc.ctx); err == nil {
				t.Fatal("Inject() = nil, want an error")
			}
		})
	}
	assertNoToxics(t, env)
}

// revertAndRoundTrip reverts a link fault and proves the link works again.
func revertAndRoundTrip(t *testing.T, env *toxiEnv, revert Revert) {
	t.Helper()
	if err := revert(context.Background()); err != nil {
		t.Fatalf("revert() = %v", err)
	}
	if _, err := roundTrip(env.proxy, 5*time.Second); err != nil {
		t.Fatalf("round trip after revert: %v", err)
	}
	assertNoToxics(t, env)
}

func proxyToxics(t *testing.T, env *toxiEnv) toxiclient.Toxics {
	t.Helper()
	p, err := env.client.Proxy("echo")
	if err != nil {
		t.Fatal(err)
	}
	toxics, err := p.Toxics()
	if err != nil {
		t.Fatal(err)
	}
	return toxics
}

func assertNoToxics(t *testing.T, env *toxiEnv) {
	t.Helper()
	if toxics := proxyToxics(t, env); len(toxics) != 0 {
		t.Fatalf("toxics after revert = %+v, want none", toxics)
	}
}
