package faults

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"
)

// Link faults act on one Toxiproxy proxy standing between a service and a
// dependency. The Toxiproxy client takes no context: each call is bounded
// by the client's own 30s HTTP timeout, and ctx is checked before it.

// Toxiproxy streams: downstream is dependency -> service (responses),
// upstream is service -> dependency (requests).
const (
	Downstream = "downstream"
	Upstream   = "upstream"
)

// LinkCut disables a proxy: its listener closes and every live connection
// through it is dropped, so new connections are refused. Revert enables it.
type LinkCut struct {
	Toxi  *toxiclient.Client
	Proxy string
}

// CutLink returns a fault that cuts proxy.
func CutLink(t *toxiclient.Client, proxy string) *LinkCut {
	return &LinkCut{Toxi: t, Proxy: proxy}
}

var (
	_ Fault    = (*LinkCut)(nil)
	_ Targeter = (*LinkCut)(nil)
)

// Name is "link-cut".
func (c *LinkCut) Name() string { return "link-cut" }

// Target is the proxy name.
func (c *LinkCut) Target() string { return c.Proxy }

// Inject disables the proxy. A proxy that is already disabled is an error:
// another fault holds it, and reverting this one would undo that one.
func (c *LinkCut) Inject(ctx context.Context) (Revert, error) {
	p, err := proxy(ctx, c.Toxi, c.Proxy)
	if err != nil {
		return nil, err
	}
	if !p.Enabled {
		return nil, fmt.Errorf("cut link %s: proxy is already disabled: revert the fault that disabled it first", c.Proxy)
	}
	if err := p.Disable(); err != nil {
		return nil, fmt.Errorf("cut link %s: disable proxy: %w", c.Proxy, err)
	}
	return once(func(ctx context.Context) error {
		p, err := proxy(ctx, c.Toxi, c.Proxy)
		if err != nil {
			return err
		}
		if err := p.Enable(); err != nil {
			return fmt.Errorf("restore link %s: enable proxy: %w", c.Proxy, err)
		}
		return nil
	}), nil
}

// LinkToxic adds one toxic to a proxy; revert removes it.
type LinkToxic struct {
	Toxi  *toxiclient.Client
	Proxy string
	// Type is the toxic: latency, bandwidth, slow_close, timeout,
	// reset_peer, slicer, limit_data.
	Type string
	// Stream is Downstream (default when "") or Upstream.
	Stream string
	// Toxicity is the fraction of connections affected; 0 means 1 (all).
	Toxicity float32
	// Attributes are the toxic's parameters, e.g. {"latency": 200}.
	Attributes toxiclient.Attributes
}

// LinkLatency delays data on proxy by latency ± jitter.
func LinkLatency(t *toxiclient.Client, proxy string, latency, jitter time.Duration) *LinkToxic {
	return newToxic(t, proxy, "latency", toxiclient.Attributes{"latency": ms(latency), "jitter": ms(jitter)})
}

// LinkResetPeer resets connections (TCP RST) after timeout (0: at once).
func LinkResetPeer(t *toxiclient.Client, proxy string, timeout time.Duration) *LinkToxic {
	return newToxic(t, proxy, "reset_peer", toxiclient.Attributes{"timeout": ms(timeout)})
}

// LinkBandwidth limits proxy to rateKBps kilobytes per second.
func LinkBandwidth(t *toxiclient.Client, proxy string, rateKBps int64) *LinkToxic {
	return newToxic(t, proxy, "bandwidth", toxiclient.Attributes{"rate": rateKBps})
}

// LinkSlowClose delays closing connections by delay.
func LinkSlowClose(t *toxiclient.Client, proxy string, delay time.Duration) *LinkToxic {
	return newToxic(t, proxy, "slow_close", toxiclient.Attributes{"delay": ms(delay)})
}

// LinkTimeout stops all data and closes connections after timeout; with 0
// data is held until the toxic is removed (removing it closes them).
func LinkTimeout(t *toxiclient.Client, proxy string, timeout time.Duration) *LinkToxic {
	return newToxic(t, proxy, "timeout", toxiclient.Attributes{"timeout": ms(timeout)})
}

func newToxic(t *toxiclient.Client, proxy, typ string, attrs toxiclient.Attributes) *LinkToxic {
	return &LinkToxic{Toxi: t, Proxy: proxy, Type: typ, Stream: Downstream, Attributes: attrs}
}

func ms(d time.Duration) int64 { return d.Milliseconds() }

var (
	_ Fault    = (*LinkToxic)(nil)
	_ Targeter = (*LinkToxic)(nil)
)

// Name is "link-<type>-<stream>", e.g. "link-latency-downstream".
func (x *LinkToxic) Name() string { return "link-" + x.Type + "-" + x.stream() }

// Target is the proxy name.
func (x *LinkToxic) Target() string { return x.Proxy }

func (x *LinkToxic) stream() string {
	if x.Stream == "" {
		return Downstream
	}
	return x.Stream
}

// toxicName is unique per proxy, type and stream, so the same toxic
// injected twice fails loudly instead of stacking.
func (x *LinkToxic) toxicName() string { return "vigil_" + x.Type + "_" + x.stream() }

// Inject adds the toxic.
func (x *LinkToxic) Inject(ctx context.Context) (Revert, error) {
	p, err := proxy(ctx, x.Toxi, x.Proxy)
	if err != nil {
		return nil, err
	}
	tox := x.Toxicity
	if tox <= 0 {
		tox = 1
	}
	name := x.toxicName()
	if _, err := p.AddToxic(name, x.Type, x.stream(), tox, x.Attributes); err != nil {
		return nil, fmt.Errorf("add toxic %s to link %s: %w", name, x.Proxy, err)
	}
	return once(func(ctx context.Context) error {
		p, err := proxy(ctx, x.Toxi, x.Proxy)
		if err != nil {
			return err
		}
		err = p.RemoveToxic(name)
		var api *toxiclient.ApiError
		if errors.As(err, &api) && api.Status == http.StatusNotFound {
			return nil // already gone (a reset): the link is clean
		}
		if err != nil {
			return fmt.Errorf("remove toxic %s from link %s: %w", name, x.Proxy, err)
		}
		return nil
	}), nil
}

// proxy fetches a proxy by name after checking ctx.
func proxy(ctx context.Context, t *toxiclient.Client, name string) (*toxiclient.Proxy, error) {
	if t == nil {
		return nil, fmt.Errorf("link %s: no Toxiproxy client: set Toxi", name)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("link %s: %w", name, err)
	}
	p, err := t.Proxy(name)
	if err != nil {
		return nil, fmt.Errorf("link %s: get proxy: %w: is Toxiproxy up and the proxy created?", name, err)
	}
	return p, nil
}
