package stack

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/testcontainers/testcontainers-go/wait"
)

const (
	solanaPort       = "8899/tcp"
	solanaPubSubPort = "8900/tcp" // PubSub (websocket), RPC port + 1
)

// ValidatorCommand returns the command that runs a real validator in an
// upstream image (see docs/stack.md); it replaces the image's entrypoint.
func ValidatorCommand() []string {
	return []string{
		"solana-test-validator", "--reset", "--quiet",
		"--rpc-port", "8899", "--bind-address", "0.0.0.0", "--ledger", "/tmp/ledger",
	}
}

// validatorStartTimeout is the least a real validator gets to become healthy.
const validatorStartTimeout = 180 * time.Second

// getHealthRequest is a JSON-RPC getHealth call.
const getHealthRequest = `{"jsonrpc":"2.0","id":1,"method":"getHealth"}`

// startSolana runs the simulator, or a validator for a non-solanasim image,
// and waits until getHealth answers "ok".
func (s *Stack) startSolana(ctx context.Context) error {
	if s.opts.Solana == SolanaOff {
		return nil
	}
	sp := spec{
		name:    Solana,
		image:   s.opts.SolanaImage,
		env:     map[string]string{"SOLANASIM_LISTEN": "0.0.0.0:8899", "SOLANASIM_WS_LISTEN": "0.0.0.0:8900"},
		ports:   []string{solanaPort, solanaPubSubPort},
		wait:    healthyRPC(),
		timeout: s.opts.StartTimeout,
	}
	if s.opts.solanaIsValidator() {
		sp.env = nil
		sp.entrypoint = ValidatorCommand()
		sp.timeout = max(sp.timeout, validatorStartTimeout)
	}
	return s.run(ctx, sp)
}

// healthyRPC waits for a JSON-RPC getHealth answer of "ok".
func healthyRPC() wait.Strategy {
	return wait.ForHTTP("/").WithPort(solanaPort).
		WithMethod(http.MethodPost).
		WithHeaders(map[string]string{"Content-Type": "application/json"}).
		WithBody(strings.NewReader(getHealthRequest)).
		WithResponseMatcher(isHealthOK).
		WithPollInterval(200 * time.Millisecond)
}

// isHealthOK reports whether body is a JSON-RPC response with result "ok".
func isHealthOK(body io.Reader) bool {
	var resp struct {
		Result string `json:"result"`
	}
	return json.NewDecoder(io.LimitReader(body, 1<<16)).Decode(&resp) == nil && resp.Result == "ok"
}
