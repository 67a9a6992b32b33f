package conformance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigilhq/vigil/scenarios/stack"
)

// againstValidator is set when the suite ran against a real validator (an
// image or a running node); TestMain says loudly when it did not.
var againstValidator atomic.Bool

// simulatorOnly is the line printed after the tests when no real validator
// was checked: passing against the simulator alone proves the simulator
// agrees with itself and with solana-go, not with agave.
const simulatorOnly = "CONFORMANCE: ran against the simulator only, not a real validator: " +
	"set VIGIL_SOLANA_IMAGE to a solana-test-validator/agave image present locally " +
	"(never pulled), or VIGIL_SOLANA_RPC to a running validator"

// report prints the loud line after m.Run (a line in the output, shown
// without -v).
func report(w io.Writer, ranValidator bool) {
	if !ranValidator {
		fmt.Fprintln(w, simulatorOnly)
	}
}

// validatorImage returns VIGIL_SOLANA_IMAGE when it names a validator
// (any image that is not solanasim), else "".
func validatorImage(getenv func(string) string) string {
	img := getenv(stack.EnvSolanaImage)
	if img == "" || strings.Contains(img, "solanasim") {
		return ""
	}
	return img
}

// TestValidatorImage runs the suite against a real validator container
// when VIGIL_SOLANA_IMAGE names one that is present locally: the stack runs
// it (scenarios/stack, never pulled) and the suite checks its RPC and
// PubSub ports directly. Without one it skips, saying so.
func TestValidatorImage(t *testing.T) {
	img := validatorImage(os.Getenv)
	if img == "" {
		t.Skipf("no validator image: %s is %q (a solanasim image or unset)", stack.EnvSolanaImage, os.Getenv(stack.EnvSolanaImage))
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	s, err := stack.Up(ctx, stack.Options{Solana: stack.SolanaRequired, SolanaImage: img,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	switch {
	case errors.Is(err, stack.ErrNoValidatorImage), errors.Is(err, stack.ErrNoDocker), errors.Is(err, stack.ErrNoImage):
		t.Skipf("validator image %s not usable here: %v", img, err)
	case err != nil:
		t.Fatalf("start validator %s: %v", img, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(t.Context()), 2*time.Minute)
		defer cancel()
		if err := s.Down(ctx); err != nil {
			t.Errorf("stack.Down: %v", err)
		}
	})
	if !s.SolanaValidator() {
		t.Fatalf("stack runs %s, not the validator %s: %s", s.SolanaImage(), img, s.SolanaNote())
	}
	againstValidator.Store(true)
	t.Logf("CONFORMANCE: against the validator image %s at %s", img, s.Endpoints.SolanaDirectRPC)
	Run(t, Config{RPC: s.Endpoints.SolanaDirectRPC, WS: s.Endpoints.SolanaDirectPubSub,
		Timeout: 3 * time.Minute, Expiry: os.Getenv("VIGIL_SOLANA_EXPIRY") == "1"})
}

// TestSimulatorOnlyIsSaid pins the loud line: said when no validator ran,
// not when one did; and which images count as a validator.
func TestSimulatorOnlyIsSaid(t *testing.T) {
	var b strings.Builder
	report(&b, false)
	if !strings.Contains(b.String(), "simulator only") || !strings.Contains(b.String(), stack.EnvSolanaImage) {
		t.Errorf("report(no validator) = %q, want the simulator-only line naming %s", b.String(), stack.EnvSolanaImage)
	}
	b.Reset()
	report(&b, true)
	if b.Len() != 0 {
		t.Errorf("report(validator) = %q, want nothing", b.String())
	}
	for img, want := range map[string]string{
		"":                           "",
		"vigil/solanasim:latest":     "",
		"anzaxyz/agave:v2.1.0":       "anzaxyz/agave:v2.1.0",
		"solanalabs/solana:v1.18.26": "solanalabs/solana:v1.18.26",
	} {
		if got := validatorImage(func(string) string { return img }); got != want {
			t.Errorf("validatorImage(%q) = %q, want %q", img, got, want)
		}
	}
}
