package faults

import (
	"context"
	"testing"
)

// mustInject injects f, failing t at once when it cannot.
func mustInject(ctx context.Context, t *testing.T, f Fault) Revert {
	t.Helper()
	revert, err := f.Inject(ctx)
	if err != nil {
		t.Fatalf("Inject() = %v", err)
	}
	return revert
}

// revertAtEnd reverts when t ends, before the cleanups registered earlier
// (the targets' own), and reports a revert that fails.
func revertAtEnd(t *testing.T, revert Revert) {
	t.Cleanup(func() {
		if err := revert(context.Background()); err != nil {
			t.Errorf("revert() = %v", err)
		}
	})
}
