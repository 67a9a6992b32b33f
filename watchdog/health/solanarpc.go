package health

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
)

// solanaRPC is the little of Solana's JSON-RPC the solana check needs:
// getHealth, getSlot and getAccountInfo. The daemon speaks it itself
// rather than through solana-go's rpc package, which costs it 2.1 MB of
// memory at start-up (docs/benchmarks.md, docs/DEPENDENCIES.md); the
// conformance suite and the chaos stack keep solana-go.
type solanaRPC struct {
	url    string
	client *http.Client
	id     atomic.Uint64
}

// rpcError is a JSON-RPC error object.
type rpcError struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

func (e *rpcError) Error() string {
	return fmt.Sprintf("rpc error %d: %s", e.Code, strings.TrimSpace(e.Message))
}

// maxRPCBody bounds an answer: getAccountInfo of a program is small, and a
// misconfigured URL must not make the watchdog read a large page.
const maxRPCBody = 1 << 20

// call sends one request and decodes its result into result (JSON).
func (c *solanaRPC) call(ctx context.Context, method string, params []any, result any) error {
	req := struct {
		JSONRPC string `json:"jsonrpc"`
		ID      uint64 `json:"id"`
		Method  string `json:"method"`
		Params  []any  `json:"params,omitempty"`
	}{"2.0", c.id.Add(1), method, params}
	body, err := json.Marshal(req)
	if err != nil {
		return err
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%w: check solana.url", err)
	}
	hreq.Header.Set("Content-Type", "application/json")
	resp, err := c.client.Do(hreq)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxRPCBody))
	if err != nil {
		return err
	}
	var out struct {
		Result json.RawMessage `json:"result"`
		Error  *rpcError       `json:"error"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(raw[:min(len(raw), 200)]))
		}
		return fmt.Errorf("not a JSON-RPC answer (%v): is solana.url a Solana RPC endpoint?", err)
	}
	if out.Error != nil {
		return out.Error
	}
	if len(out.Result) == 0 {
		return errors.New("JSON-RPC answer without result or error")
	}
	return json.Unmarshal(out.Result, result)
}

// slot is getSlot at commitment processed.
func (c *solanaRPC) slot(ctx context.Context) (uint64, error) {
	var slot uint64
	err := c.call(ctx, "getSlot", []any{map[string]string{"commitment": "processed"}}, &slot)
	return slot, err
}

// account is getAccountInfo's value; nil when the account does not exist.
type account struct {
	Executable bool   `json:"executable"`
	Owner      string `json:"owner"`
}

func (c *solanaRPC) accountInfo(ctx context.Context, pubkey string) (*account, error) {
	var out struct {
		Value *account `json:"value"`
	}
	err := c.call(ctx, "getAccountInfo", []any{pubkey, map[string]string{"encoding": "base64"}}, &out)
	return out.Value, err
}
