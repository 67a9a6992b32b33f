package chaos

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"

	"github.com/vigilhq/vigil/faults"
	"github.com/vigilhq/vigil/slo"
	"github.com/vigilhq/vigil/watchdog/api"
)

// FaultMaker builds the fault a spec describes on one target.
type FaultMaker interface {
	MakeFault(spec FaultSpec) (faults.Fault, error)
}

// ErrUnsupported means a target cannot inject a kind of fault.
var ErrUnsupported = errors.New("fault not supported by this target")

// Target is where scenarios run: the services' base URLs, the watchdog that
// supervises them, the Postgres to read writes back from, and how to make
// faults there. The Runner only reads it; whoever built it closes it.
type Target struct {
	Name string // TargetStack or TargetLocal
	// URLs maps each supervised service to its host-side base URL,
	// e.g. pgapi → http://127.0.0.1:32811.
	URLs map[string]string
	// Watchdog reads status and events (and restarts services).
	Watchdog *api.Client
	// PostgresDSN is where payments are read back; "" disables the set
	// check (and so any load).
	PostgresDSN string
	// Faults makes the faults of this target.
	Faults FaultMaker
	// Reset restores a clean target between scenarios (toxics removed,
	// proxies enabled); nil when there is nothing to reset.
	Reset func(ctx context.Context) error
	// Dial, when set, connects the runner's HTTP clients (probes, writes,
	// steady state) to the URLs' hosts; nil dials them directly.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Close stops whatever the target runs (forwarders) and waits for it;
	// nil when there is nothing to stop. It does not close Watchdog.
	Close func()
	// Depends maps each service to what it needs: other services and the
	// links or containers it talks to (postgres, solana). It gives every
	// fault its blast radius (Radius); nil means ReferenceDepends.
	Depends map[string][]string
	// SolanaRPC, when set, is a Solana JSON-RPC URL (dialled through Dial)
	// that no fault cuts: after each scenario every settlement reconapi
	// reported confirmed must be on chain there (checkSettlements).
	SolanaRPC string
	// Control, when set, is an endpoint no fault can reach, probed on the
	// same ticks as the services: when it fails too, the harness stalled
	// (slo.MarkStalls).
	Control *slo.Target
}

// ReferenceDepends is what the reference services need (docs/services.md):
// pgapi and bankapi their database, reconapi both APIs, the database and
// Solana. Toxiproxy carries the postgres and solana links.
func ReferenceDepends() map[string][]string {
	return map[string][]string{
		"pgapi":    {"postgres", "toxiproxy"},
		"bankapi":  {"postgres", "toxiproxy"},
		"reconapi": {"pgapi", "bankapi", "postgres", "solana", "solana-pubsub", "toxiproxy"},
	}
}

// Radius returns the services a fault of spec can make fail, by its row's
// Reach: the target and its dependents, or the target's dependents, or
// every service. A target nothing depends on that is no service (the
// stack container) reaches every service.
func (t *Target) Radius(spec FaultSpec) []string {
	deps := t.Depends
	if deps == nil {
		deps = ReferenceDepends()
	}
	def, _ := lookupFault(spec.Kind, spec.Action)
	reach := def.Reach
	target := spec.Target
	if spec.Kind == "postgres" {
		target = "postgres"
	}
	out := map[string]bool{}
	if reach == ReachService {
		out[target] = true
	}
	// Dependents, transitively: a service is in when it needs one in.
	for changed, hit := true, map[string]bool{target: true}; changed; {
		changed = false
		for svc, needs := range deps {
			if hit[svc] {
				continue
			}
			for _, n := range needs {
				if hit[n] {
					hit[svc], out[svc], changed = true, true, true
					break
				}
			}
		}
	}
	_, isService := deps[target]
	if reach == ReachAll || (len(out) == 0 && !isService) {
		return t.Services()
	}
	return slices.Sorted(maps.Keys(out))
}

// Services returns the target's services, sorted.
func (t *Target) Services() []string {
	return slices.Sorted(maps.Keys(t.URLs))
}

// DefaultProbes are each reference service's user-facing endpoint: reads
// that go through to Postgres, as a user's request would.
func DefaultProbes() []Probe {
	return []Probe{
		{Service: "pgapi", Path: "/v1/payments?limit=1"},
		{Service: "bankapi", Path: "/v1/statements?limit=1"},
		{Service: "reconapi", Path: "/recon/jobs/1", Expect: []int{200, 404}},
	}
}

// probeURL resolves p against the target.
func (t *Target) probeURL(p Probe) (string, error) {
	base, ok := t.URLs[p.Service]
	if !ok {
		return "", fmt.Errorf("probe service %q is not on target %s (it has %v)", p.Service, t.Name, t.Services())
	}
	u, err := url.Parse(base + p.Path)
	if err != nil {
		return "", fmt.Errorf("probe %s%s: %w", p.Service, p.Path, err)
	}
	return u.String(), nil
}

// httpClient returns a client for the target's URLs. Probes and steady-state
// checks open a fresh connection each time (keepAlive false), as a new user
// would; the workload reuses connections like a real client.
func (t *Target) httpClient(keepAlive bool) *http.Client {
	tr := &http.Transport{DisableKeepAlives: !keepAlive, MaxIdleConnsPerHost: 16}
	if t.Dial != nil {
		tr.DialContext = t.Dial
	}
	return &http.Client{Transport: tr}
}
