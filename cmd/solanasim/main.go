// Command solanasim serves the offline Solana JSON-RPC simulator
// (scenarios/solanasim) where no solana-test-validator image can be pulled.
// It listens on a socket handed over by a supervisor (systemd LISTEN_FDS
// protocol) or binds -listen, logs JSON to stderr and stops on SIGTERM.
// See docs/solanasim.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/coreos/go-systemd/v22/activation"
	"github.com/gagliardetto/solana-go"

	"github.com/vigilhq/vigil/scenarios/solanasim"
)

const (
	listenEnv     = "SOLANASIM_LISTEN"
	defaultListen = "127.0.0.1:8899"
	// shutdownGrace bounds how long in-flight answers (slow mode holds them
	// up to a minute) may finish after SIGTERM before connections are cut.
	shutdownGrace = 5 * time.Second
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	if err := run(ctx, os.Args[1:], logger); err != nil {
		logger.Error("solanasim failed", "err", err)
		stop()
		os.Exit(1)
	}
}

// run parses flags, serves until ctx is done, then shuts down gracefully.
func run(ctx context.Context, args []string, logger *slog.Logger) error {
	fs := flag.NewFlagSet("solanasim", flag.ContinueOnError)
	listen := fs.String("listen", envOr(listenEnv, defaultListen),
		"address to bind when no socket is handed over via LISTEN_FDS (env "+listenEnv+")")
	program := fs.String("program", solanasim.DefaultProgramID, "base58 address of the preloaded executable program account")
	slot := fs.Duration("slot-interval", solanasim.DefaultSlotInterval, "how often the slot advances")
	if err := fs.Parse(args); err != nil {
		return err
	}
	programID, err := solana.PublicKeyFromBase58(*program)
	if err != nil {
		return fmt.Errorf("-program %q is not a base58 public key (%v): pass a 32-byte address such as %s", *program, err, solanasim.DefaultProgramID)
	}
	ln, activated, err := listener(*listen)
	if err != nil {
		return err
	}
	sim := solanasim.New(solanasim.Options{ProgramID: programID, SlotInterval: *slot, Logger: logger})
	logger.Info("solanasim listening", "addr", ln.Addr().String(), "socket_activated", activated,
		"program", programID.String(), "slot_interval", slot.String())
	return serve(ctx, sim, ln, logger)
}

// serve runs the slot clock and the HTTP server until ctx is done or the
// server fails; it returns after both goroutines have exited.
func serve(ctx context.Context, sim *solanasim.Sim, ln net.Listener, logger *slog.Logger) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	srv := &http.Server{Handler: sim.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errs := make(chan error, 2)
	var wg sync.WaitGroup
	wg.Go(func() { errs <- sim.Run(ctx) })
	wg.Go(func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			errs <- fmt.Errorf("serve on %s: %w", ln.Addr(), err)
			cancel()
		}
	})
	<-ctx.Done()
	logger.Info("solanasim stopping")
	shutdownCtx, done := context.WithTimeout(context.Background(), shutdownGrace)
	defer done()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		_ = srv.Close() // cut answers still held by slow mode
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	logger.Info("solanasim stopped")
	return nil
}

// listener prefers the first socket handed over by a supervisor (systemd
// LISTEN_FDS protocol) and falls back to binding addr.
func listener(addr string) (net.Listener, bool, error) {
	handed, err := activation.Listeners()
	if err != nil {
		return nil, false, fmt.Errorf("read LISTEN_FDS sockets: %w", err)
	}
	var chosen net.Listener
	for _, ln := range handed {
		switch {
		case ln == nil:
		case chosen == nil:
			chosen = ln
		default:
			_ = ln.Close() // only one RPC port is served
		}
	}
	if chosen != nil {
		return chosen, true, nil
	}
	if len(handed) > 0 {
		return nil, false, fmt.Errorf("LISTEN_FDS handed over %d descriptors but none is a stream socket: pass a TCP listening socket", len(handed))
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, false, fmt.Errorf("listen on %s: %w: free the port or set -listen / %s", addr, err, listenEnv)
	}
	return ln, false, nil
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
