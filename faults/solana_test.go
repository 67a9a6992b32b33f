package faults

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vigilhq/vigil/scenarios/solanasim"
	"github.com/vigilhq/vigil/scenarios/solanasim/solanasimtest"
)

// TestSolanaModeInjectsAndReverts drives a real solanasim's admin API:
// each mode is in effect after Inject, healthy after the revert; a second
// fault on a node already degraded is refused; a node without the admin
// API (a real validator) is named as such.
func TestSolanaModeInjectsAndReverts(t *testing.T) {
	node := solanasimtest.Serve(t, solanasim.Options{})
	ctx := t.Context()
	for _, mode := range SolanaModes {
		t.Run(mode, func(t *testing.T) {
			f := &SolanaMode{Admin: node.RPC, Mode: mode, Delay: 250 * time.Millisecond, BehindSlots: 7}
			revert, err := f.Inject(ctx)
			if err != nil {
				t.Fatalf("Inject(%s) = %v", mode, err)
			}
			if got := node.Sim.Condition().Mode.String(); got != mode {
				t.Errorf("mode after Inject = %s, want %s", got, mode)
			}
			if _, err := (&SolanaMode{Admin: node.RPC, Mode: "stalled"}).Inject(ctx); err == nil || !strings.Contains(err.Error(), "already in mode") {
				t.Errorf("second Inject on a degraded node = %v, want already in mode", err)
			}
			if err := revert(ctx); err != nil {
				t.Fatalf("revert = %v", err)
			}
			if got := node.Sim.Condition().Mode; got != solanasim.ModeHealthy {
				t.Errorf("mode after revert = %s, want healthy", got)
			}
			if err := revert(ctx); err != nil {
				t.Errorf("second revert = %v, want nil (once)", err)
			}
		})
	}
	if _, err := (&SolanaMode{Admin: node.RPC, Mode: "asleep"}).Inject(ctx); err == nil {
		t.Error("Inject(unknown mode) = nil, want an error naming the modes")
	}
	if _, err := node.Sim.SetCondition(solanasim.Condition{Mode: solanasim.ModeStalled}); err != nil {
		t.Fatal(err)
	}
	if err := ResetSolanaMode(ctx, nil, node.RPC); err != nil || node.Sim.Condition().Mode != solanasim.ModeHealthy {
		t.Errorf("ResetSolanaMode = %v, mode %s; want healthy", err, node.Sim.Condition().Mode)
	}
	validator := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(validator.Close)
	if err := ResetSolanaMode(ctx, nil, validator.URL); err != nil {
		t.Errorf("ResetSolanaMode(validator) = %v, want nil (nothing to reset)", err)
	}
	if _, err := (&SolanaMode{Admin: validator.URL, Mode: "stalled"}).Inject(context.Background()); err == nil || !strings.Contains(err.Error(), "no admin API") {
		t.Errorf("Inject on a node without admin API = %v, want it named", err)
	}
}
