package stack

import (
	"errors"
	"strings"
	"testing"
)

// TestChooseSolana pins the switch between a real validator and the
// simulator: a validator image present locally runs; an absent one is
// never pulled — the simulator runs under SolanaAuto, with a warning that
// says so, and SolanaRequired fails.
func TestChooseSolana(t *testing.T) {
	const agave = "anzaxyz/agave:v2.1.0"
	tests := []struct {
		name      string
		opts      Options
		present   bool
		wantImage string
		wantWarn  bool
		wantErr   error
	}{
		{"simulator by default", Options{SolanaImage: DefaultSolanaImage}, true, DefaultSolanaImage, false, nil},
		{"validator present runs", Options{SolanaImage: agave}, true, agave, false, nil},
		{"validator absent falls back loudly", Options{SolanaImage: agave}, false, DefaultSolanaImage, true, nil},
		{"validator absent but required", Options{SolanaImage: agave, Solana: SolanaRequired}, false, agave, false, ErrNoValidatorImage},
		{"off asks nothing", Options{SolanaImage: agave, Solana: SolanaOff}, false, agave, false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var asked []string
			got, warn, err := chooseSolana(tc.opts, func(img string) (bool, error) {
				asked = append(asked, img)
				return tc.present, nil
			})
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("chooseSolana err = %v, want %v", err, tc.wantErr)
			}
			if got.SolanaImage != tc.wantImage || (warn != "") != tc.wantWarn {
				t.Errorf("chooseSolana = image %s, warning %q; want %s, warning %v", got.SolanaImage, warn, tc.wantImage, tc.wantWarn)
			}
			if tc.wantWarn && (!strings.Contains(warn, "never pulled") || !strings.Contains(warn, agave)) {
				t.Errorf("warning %q should name the image and say it is never pulled", warn)
			}
			if tc.opts.solanaIsValidator() && tc.opts.Solana != SolanaOff && len(asked) != 1 {
				t.Errorf("asked about %v, want exactly the validator image inspected", asked)
			}
		})
	}
}
