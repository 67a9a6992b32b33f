package stack

import (
	"errors"
	"fmt"
	"os"

	"github.com/containerd/errdefs"
)

// Errors Up returns for missing prerequisites; tests use errors.Is to decide
// between skipping and failing.
var (
	// ErrNoDocker means no Docker engine answered.
	ErrNoDocker = errors.New("no docker engine answers: run ci/docker.sh (installs and starts dockerd)")
	// ErrNoImage means a local vigil/* image is missing.
	ErrNoImage = errors.New("image not built: run `make images` (ci/images.sh)")
)

// setTestcontainersEnv points testcontainers at loopback and disables Ryuk
// unless the caller chose otherwise. It must run before testcontainers reads
// its configuration (once per process).
func setTestcontainersEnv() {
	for k, v := range map[string]string{
		// Inside a container testcontainers guesses the default gateway as the
		// docker host; mapped ports are published on 127.0.0.1.
		"TESTCONTAINERS_HOST_OVERRIDE": "127.0.0.1",
		// Ryuk's image cannot be pulled here; Down and Sweep clean up instead.
		"TESTCONTAINERS_RYUK_DISABLED": "true",
	} {
		if _, ok := os.LookupEnv(k); !ok {
			_ = os.Setenv(k, v) // only fails for invalid names
		}
	}
}

func noDocker(err error) error { return fmt.Errorf("%w: %w", ErrNoDocker, err) }

func isNotFound(err error) bool { return errdefs.IsNotFound(err) }
