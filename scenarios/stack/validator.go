package stack

import (
	"context"
	"errors"
	"fmt"
)

// ErrNoValidatorImage means the Solana image names a real validator
// (solana-test-validator, agave) that is not present locally. Validator
// images are never pulled: load or build one, then name it in
// VIGIL_SOLANA_IMAGE.
var ErrNoValidatorImage = errors.New("validator image not present locally (validator images are never pulled: `docker load` or build one first)")

// chooseSolana decides what runs as the stack's Solana node. A validator
// image present locally runs as the validator. One that is absent is never
// pulled: under SolanaAuto the simulator (DefaultSolanaImage) runs instead
// and warning says so; under SolanaRequired it is ErrNoValidatorImage.
// present reports whether an image exists locally (docker image inspect).
func chooseSolana(opts Options, present func(img string) (bool, error)) (_ Options, warning string, _ error) {
	if opts.Solana == SolanaOff || !opts.solanaIsValidator() {
		return opts, "", nil
	}
	ok, err := present(opts.SolanaImage)
	switch {
	case err != nil:
		return opts, "", fmt.Errorf("inspect validator image %s: %w", opts.SolanaImage, err)
	case ok:
		return opts, "", nil
	case opts.Solana == SolanaRequired:
		return opts, "", fmt.Errorf("%s: %w", opts.SolanaImage, ErrNoValidatorImage)
	}
	warning = fmt.Sprintf("SOLANA: validator image %s is not present locally and is never pulled: running the simulator %s instead", opts.SolanaImage, DefaultSolanaImage)
	opts.SolanaImage = DefaultSolanaImage
	return opts, warning, nil
}

// present reports whether img exists in the local Docker engine.
func (s *Stack) present(ctx context.Context) func(string) (bool, error) {
	return func(img string) (bool, error) {
		_, err := s.Docker.ImageInspect(ctx, img)
		switch {
		case err == nil:
			return true, nil
		case isNotFound(err):
			return false, nil
		}
		return false, err
	}
}

// SolanaValidator reports whether the stack's Solana node is a real
// validator (false: the simulator, or no Solana at all).
func (s *Stack) SolanaValidator() bool {
	return s.containers[Solana] != nil && s.opts.solanaIsValidator()
}

// SolanaImage returns the image the stack's Solana node runs ("" when
// Solana is off).
func (s *Stack) SolanaImage() string {
	if s.containers[Solana] == nil {
		return ""
	}
	return s.opts.SolanaImage
}

// SolanaNote says why the simulator runs although a validator image was
// asked for ("" when nothing was substituted). Say it loudly: results
// against the simulator are not results against a validator.
func (s *Stack) SolanaNote() string { return s.solanaNote }
