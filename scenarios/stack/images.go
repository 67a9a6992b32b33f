package stack

import (
	"context"
	"fmt"
	"strings"
)

// checkImages fails early, with the command that fixes it, when a local
// vigil/* image is missing; upstream images are left for Docker to pull. A
// missing default Solana image under SolanaAuto turns Solana off.
func (s *Stack) checkImages(ctx context.Context) error {
	imgs := []string{s.opts.PostgresImage, s.opts.ToxiproxyImage, s.opts.StackImage}
	if s.opts.StackImage != "" {
		imgs = append(imgs, DefaultSolanaImage) // the control container
	}
	for _, img := range imgs {
		if img == "" {
			continue
		}
		if err := s.requireImage(ctx, img); err != nil {
			return err
		}
	}
	if s.opts.Solana == SolanaOff {
		return nil
	}
	opts, warning, err := chooseSolana(s.opts, s.present(ctx))
	if err != nil {
		return err
	}
	if warning != "" {
		s.log.Warn(warning)
		s.solanaNote = warning
	}
	s.opts = opts
	err = s.requireImage(ctx, s.opts.SolanaImage)
	if err != nil && s.opts.Solana == SolanaAuto {
		s.log.Warn("no Solana RPC in this stack", "err", err)
		s.opts.Solana = SolanaOff
		return nil
	}
	return err
}

// requireImage returns ErrNoImage for a missing local (vigil/*) image.
func (s *Stack) requireImage(ctx context.Context, img string) error {
	_, err := s.Docker.ImageInspect(ctx, img)
	switch {
	case err == nil:
		return nil
	case !isNotFound(err):
		return fmt.Errorf("inspect image %s: %w", img, err)
	case strings.HasPrefix(img, "vigil/"):
		return fmt.Errorf("%s: %w", img, ErrNoImage)
	default:
		return nil // an upstream image: testcontainers pulls it
	}
}
