package stack

import (
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"
)

// Default images: the :latest tags ci/images.sh maintains.
const (
	DefaultPostgresImage  = "vigil/postgres:latest"
	DefaultToxiproxyImage = "vigil/toxiproxy:latest"
	DefaultSolanaImage    = "vigil/solanasim:latest"
)

// Environment variables that choose images when the Options field is empty.
const (
	EnvPostgresImage  = "VIGIL_POSTGRES_IMAGE"
	EnvToxiproxyImage = "VIGIL_TOXIPROXY_IMAGE"
	EnvSolanaImage    = "VIGIL_SOLANA_IMAGE"
	EnvStackImage     = "VIGIL_STACK_IMAGE"
)

// Options configures Up. The zero value starts Postgres, Toxiproxy and, when
// its image exists locally, solanasim, all from local vigil/* images.
type Options struct {
	// RunID labels every container and the network (LabelRun). Default: a
	// random id.
	RunID string

	// PostgresImage default: $VIGIL_POSTGRES_IMAGE, else DefaultPostgresImage.
	// Any image with the upstream postgres image's environment contract
	// works (e.g. postgres:16-alpine where a registry is reachable).
	PostgresImage string
	// PostgresPassword is POSTGRES_PASSWORD. Default "vigil".
	PostgresPassword string

	// ToxiproxyImage default: $VIGIL_TOXIPROXY_IMAGE, else
	// DefaultToxiproxyImage (upstream: ghcr.io/shopify/toxiproxy:2.12.0).
	ToxiproxyImage string

	// SolanaImage default: $VIGIL_SOLANA_IMAGE, else DefaultSolanaImage. An
	// image whose name does not contain "solanasim" is run as a real
	// validator with ValidatorCommand.
	SolanaImage string
	// Solana says whether the Solana RPC is started. Default SolanaAuto.
	Solana SolanaMode

	// StackImage is the application image (vigil/stack). Default:
	// $VIGIL_STACK_IMAGE; empty starts no application container.
	StackImage string

	// StartTimeout bounds each container's start and readiness wait.
	// Default 60s (180s for a real validator).
	StartTimeout time.Duration

	// Logger receives progress lines. Default: discard.
	Logger *slog.Logger
}

// SolanaMode says whether Up starts a Solana RPC container.
type SolanaMode int

// Solana modes.
const (
	// SolanaAuto starts Solana when its image is present locally (or is an
	// upstream image, which may be pulled); a missing local vigil/* image is
	// logged and skipped.
	SolanaAuto SolanaMode = iota
	// SolanaRequired makes a missing image an error.
	SolanaRequired
	// SolanaOff never starts Solana.
	SolanaOff
)

// String returns "auto", "required" or "off".
func (m SolanaMode) String() string {
	switch m {
	case SolanaAuto:
		return "auto"
	case SolanaRequired:
		return "required"
	case SolanaOff:
		return "off"
	}
	return fmt.Sprintf("SolanaMode(%d)", int(m))
}

// withDefaults returns o with every empty field filled from env or defaults.
func (o Options) withDefaults() Options {
	o.PostgresImage = firstNonEmpty(o.PostgresImage, os.Getenv(EnvPostgresImage), DefaultPostgresImage)
	o.ToxiproxyImage = firstNonEmpty(o.ToxiproxyImage, os.Getenv(EnvToxiproxyImage), DefaultToxiproxyImage)
	o.SolanaImage = firstNonEmpty(o.SolanaImage, os.Getenv(EnvSolanaImage), DefaultSolanaImage)
	o.StackImage = firstNonEmpty(o.StackImage, os.Getenv(EnvStackImage))
	o.PostgresPassword = firstNonEmpty(o.PostgresPassword, "vigil")
	if o.RunID == "" {
		o.RunID = newRunID()
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = 60 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// solanaIsValidator reports whether the Solana image is a real validator
// (run with ValidatorCommand) rather than the simulator.
func (o Options) solanaIsValidator() bool {
	return !strings.Contains(o.SolanaImage, "solanasim")
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
