package recon

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/vigilhq/vigil/scenarios/refapi"
)

// SolanaProbeTimeout bounds the getHealth call.
const SolanaProbeTimeout = time.Second

// Components lists what GET /recon/health checks: Postgres (critical), the
// Solana RPC node, pgapi and bankapi (non-critical: down means degraded).
func (s *Server) Components() []refapi.Component {
	return []refapi.Component{
		refapi.PostgresComponent(s.pool),
		{Name: "solana_rpc", Check: func(ctx context.Context) error { return SolanaHealth(ctx, s.client, s.cfg.SolanaRPCURL) }},
		{Name: "pgapi", Check: func(ctx context.Context) error { return HTTPHealth(ctx, s.client, s.cfg.PgapiURL+"/health") }},
		{Name: "bankapi", Check: func(ctx context.Context) error { return HTTPHealth(ctx, s.client, s.cfg.BankapiURL+"/health") }},
	}
}

// SolanaHealth sends the JSON-RPC getHealth request to rpcURL and requires
// the result "ok" within SolanaProbeTimeout.
func SolanaHealth(ctx context.Context, c *http.Client, rpcURL string) error {
	ctx, cancel := context.WithTimeout(ctx, SolanaProbeTimeout)
	defer cancel()
	body := []byte(`{"jsonrpc":"2.0","id":1,"method":"getHealth"}`)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rpcURL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("getHealth: %w", err)
	}
	defer resp.Body.Close()
	var out struct {
		Result string `json:"result"`
		Error  *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&out); err != nil {
		return fmt.Errorf("getHealth: %s: undecodable reply: %w", resp.Status, err)
	}
	switch {
	case out.Error != nil:
		return fmt.Errorf("getHealth: node unhealthy: %d %s", out.Error.Code, out.Error.Message)
	case out.Result != "ok":
		return fmt.Errorf("getHealth: result %q, want \"ok\"", out.Result)
	}
	return nil
}

// HTTPHealth requires GET url to answer 200.
func HTTPHealth(ctx context.Context, c *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}
