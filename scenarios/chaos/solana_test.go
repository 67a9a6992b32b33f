package chaos

import (
	"strings"
	"testing"
	"time"

	"github.com/vigilhq/vigil/scenarios/solanasim"
	"github.com/vigilhq/vigil/scenarios/solanasim/solanasimtest"
)

// TestSolanaFaultKind: a scenario can name every solanasim mode as kind
// solana; the fault it makes puts a real simulator in that mode with the
// scenario's parameters and back to healthy on revert.
func TestSolanaFaultKind(t *testing.T) {
	node := solanasimtest.Serve(t, solanasim.Options{})
	tests := []struct {
		action, params string
		want           solanasim.Condition
	}{
		{"pubsub_down", "{}", solanasim.Condition{Mode: solanasim.ModePubSubDown}},
		{"pubsub_slow", "{delay: 3s}", solanasim.Condition{Mode: solanasim.ModePubSubSlow, Delay: 3 * time.Second}},
		{"behind", "{behind_slots: \"200\"}", solanasim.Condition{Mode: solanasim.ModeBehind, BehindSlots: 200}},
		{"stalled", "{}", solanasim.Condition{Mode: solanasim.ModeStalled}},
		{"slow", "{delay: 500ms}", solanasim.Condition{Mode: solanasim.ModeSlow, Delay: 500 * time.Millisecond}},
		{"unknown", "{}", solanasim.Condition{Mode: solanasim.ModeUnknown}},
	}
	for _, tc := range tests {
		t.Run(tc.action, func(t *testing.T) {
			yaml := "name: s\nseed: 1\nfaults:\n  - {name: f, kind: solana, action: " + tc.action +
				", target: solana, at: 1s, duration: 5s, params: " + tc.params + "}\n"
			s, err := Parse([]byte(yaml), "s.yaml")
			if err != nil {
				t.Fatalf("Parse = %v", err)
			}
			f, err := solanaModeFault(&Target{}, node.RPC, s.Faults[0])
			if err != nil {
				t.Fatalf("solanaModeFault = %v", err)
			}
			revert, err := f.Inject(t.Context())
			if err != nil {
				t.Fatalf("Inject = %v", err)
			}
			if got := node.Sim.Condition(); got != tc.want {
				t.Errorf("condition = %+v, want %+v", got, tc.want)
			}
			if err := revert(t.Context()); err != nil || node.Sim.Condition().Mode != solanasim.ModeHealthy {
				t.Errorf("revert = %v, condition %+v; want healthy", err, node.Sim.Condition())
			}
		})
	}
	if _, err := Parse([]byte("name: s\nseed: 1\nfaults:\n  - {name: f, kind: solana, action: stalled, target: solana, at: 1s}\n"), "s.yaml"); err == nil || !strings.Contains(err.Error(), "duration") {
		t.Errorf("Parse(solana without duration) = %v, want a duration error", err)
	}
	if _, err := solanaModeFault(&Target{}, "", FaultSpec{Kind: "solana", Action: "stalled", Target: "solana"}); err == nil {
		t.Error("solanaModeFault without a Solana node = nil error, want one")
	}
}
