package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// SolanaModes are the degraded modes of solanasim's admin API
// (docs/solanasim.md) a SolanaMode fault can put the node in.
var SolanaModes = []string{"behind", "unknown", "stalled", "slow", "pubsub_down", "pubsub_slow"}

// SolanaMode puts the Solana RPC simulator (solanasim) into a degraded
// mode through its admin API — POST {RPC}/admin/mode — and back to healthy
// on revert. The node must be healthy when injected: a node already in
// another mode is held by another fault (or left over), and Inject fails
// rather than stack them. A real validator has no admin API: Inject says
// so.
type SolanaMode struct {
	// Admin is the simulator's RPC base URL, e.g. http://127.0.0.1:8899.
	Admin string
	// Mode is one of SolanaModes.
	Mode string
	// BehindSlots is the lag of "behind" (0: solanasim's default, 150).
	BehindSlots uint64
	// Delay is the delay of "slow" and "pubsub_slow" (0: 2 s).
	Delay time.Duration
	// Client sends the admin requests; nil means a client with a 10 s
	// timeout.
	Client *http.Client
	// Node names the target in the journal (default "solana").
	Node string
}

var (
	_ Fault    = (*SolanaMode)(nil)
	_ Targeter = (*SolanaMode)(nil)
)

// Name implements Fault: "solana-<mode>".
func (f *SolanaMode) Name() string { return "solana-" + f.Mode }

// Target implements Targeter.
func (f *SolanaMode) Target() string {
	if f.Node == "" {
		return "solana"
	}
	return f.Node
}

// adminMode is the admin endpoint's body.
type adminMode struct {
	Mode        string `json:"mode"`
	BehindSlots uint64 `json:"behind_slots,omitempty"`
	Delay       string `json:"delay,omitempty"`
}

// Inject implements Fault.
func (f *SolanaMode) Inject(ctx context.Context) (Revert, error) {
	known := false
	for _, m := range SolanaModes {
		known = known || m == f.Mode
	}
	if !known {
		return nil, fmt.Errorf("solana mode %q: use one of %s", f.Mode, strings.Join(SolanaModes, ", "))
	}
	cur, err := f.do(ctx, http.MethodGet, nil)
	if err != nil {
		return nil, err
	}
	if cur.Mode != "healthy" {
		return nil, fmt.Errorf("solana node at %s is already in mode %q: another fault holds it (or one was left behind: POST {\"mode\":\"healthy\"} to %s/admin/mode)", f.Admin, cur.Mode, f.Admin)
	}
	want := adminMode{Mode: f.Mode, BehindSlots: f.BehindSlots}
	if f.Delay > 0 {
		want.Delay = f.Delay.String()
	}
	if _, err := f.do(ctx, http.MethodPost, &want); err != nil {
		return nil, err
	}
	return once(func(ctx context.Context) error {
		_, err := f.do(ctx, http.MethodPost, &adminMode{Mode: "healthy"})
		return err
	}), nil
}

// do calls the admin endpoint and decodes the mode in effect.
func (f *SolanaMode) do(ctx context.Context, method string, body *adminMode) (adminMode, error) {
	url := strings.TrimSuffix(f.Admin, "/") + "/admin/mode"
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return adminMode{}, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return adminMode{}, fmt.Errorf("solana admin %s: %w", url, err)
	}
	req.Header.Set("Content-Type", "application/json")
	c := f.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return adminMode{}, fmt.Errorf("solana admin %s %s: %w", method, url, err)
	}
	defer resp.Body.Close()
	reply, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusMethodNotAllowed:
		return adminMode{}, fmt.Errorf("%s %s: %s: %w — solana faults need solanasim, not a real validator (degrade a validator with link or container faults)", method, url, resp.Status, errNoAdmin)
	case resp.StatusCode != http.StatusOK:
		return adminMode{}, fmt.Errorf("solana admin %s %s: %s: %s", method, url, resp.Status, bytes.TrimSpace(reply))
	}
	var out adminMode
	if err := json.Unmarshal(reply, &out); err != nil || out.Mode == "" {
		return adminMode{}, errors.Join(fmt.Errorf("solana admin %s %s: undecodable reply %q", method, url, reply), err)
	}
	return out, nil
}

// ResetSolanaMode puts the simulator at admin back to healthy if it is in
// another mode; a node without the admin API (a real validator) has
// nothing to reset.
func ResetSolanaMode(ctx context.Context, client *http.Client, admin string) error {
	f := &SolanaMode{Admin: admin, Client: client}
	cur, err := f.do(ctx, http.MethodGet, nil)
	switch {
	case errors.Is(err, errNoAdmin):
		return nil
	case err != nil:
		return err
	case cur.Mode == "healthy":
		return nil
	}
	_, err = f.do(ctx, http.MethodPost, &adminMode{Mode: "healthy"})
	return err
}

// errNoAdmin marks a node without solanasim's admin API.
var errNoAdmin = errors.New("the node has no admin API")
