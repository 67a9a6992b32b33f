package stack

import (
	"context"

	"github.com/testcontainers/testcontainers-go/wait"
)

// appWatchdogPort is the watchdog API port in ci/images/stack/vigil.yaml.
const appWatchdogPort = "7070/tcp"

// startApp is the hook for the application container (vigil/stack): the
// watchdog as PID 1 supervising pgapi, bankapi and reconapi, reaching
// Postgres and Solana through Toxiproxy so their links can be cut. It does
// nothing unless Options.StackImage (or $VIGIL_STACK_IMAGE) is set.
func (s *Stack) startApp(ctx context.Context) error {
	if s.opts.StackImage == "" {
		return nil
	}
	err := s.run(ctx, spec{
		name:  App,
		image: s.opts.StackImage,
		env: map[string]string{
			"DATABASE_URL":   s.dsn(Toxiproxy + ":8666"),
			"SOLANA_RPC_URL": s.Endpoints.SolanaInternalRPC,
			"SOLANA_WS_URL":  s.Endpoints.SolanaInternalPubSub,
		},
		ports: []string{appWatchdogPort, "5101/tcp", "5102/tcp", "5103/tcp"},
		// Any HTTP answer: the watchdog's /health may say 503 while its
		// services start; scenarios wait for the state they need.
		wait:    wait.ForHTTP("/health").WithPort(appWatchdogPort).WithStatusCodeMatcher(func(int) bool { return true }),
		timeout: s.opts.StartTimeout,
	})
	if err != nil {
		return err
	}
	return s.Refresh(ctx)
}

// Control is the chaos suite's control endpoint: a solanasim container of
// its own that no fault touches, reached through the same engine and port
// mapping as the services. When its probe fails too, the harness (the
// machine, the runner) stalled, not the system under test.
const Control = "control"

// startControl runs the control container next to the application
// container (only with Options.StackImage).
func (s *Stack) startControl(ctx context.Context) error {
	if s.opts.StackImage == "" {
		return nil
	}
	return s.run(ctx, spec{
		name:    Control,
		image:   DefaultSolanaImage,
		env:     map[string]string{"SOLANASIM_LISTEN": "0.0.0.0:8899"},
		ports:   []string{solanaPort},
		wait:    healthyRPC(),
		timeout: s.opts.StartTimeout,
	})
}
