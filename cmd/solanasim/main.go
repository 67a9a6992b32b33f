// Command solanasim serves the offline Solana JSON-RPC simulator
// (scenarios/solanasim) where no solana-test-validator image can be pulled:
// JSON-RPC on one port and PubSub (websocket) on the next, as a validator
// does. It listens on sockets handed over by a supervisor (systemd
// LISTEN_FDS protocol; one named "ws" serves PubSub) or binds -listen and
// -ws-listen, logs JSON to stderr and stops on SIGTERM. See
// docs/solanasim.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/coreos/go-systemd/v22/activation"
	"github.com/gagliardetto/solana-go"

	"github.com/vigilhq/vigil/scenarios/solanasim"
	vserve "github.com/vigilhq/vigil/watchdog/serve"
)

const (
	listenEnv     = "SOLANASIM_LISTEN"
	wsListenEnv   = "SOLANASIM_WS_LISTEN"
	defaultListen = "127.0.0.1:8899"
	// wsSocketName is the LISTEN_FDNAMES name of a handed-over PubSub socket.
	wsSocketName = "ws"
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
	wsListen := fs.String("ws-listen", os.Getenv(wsListenEnv),
		"PubSub (websocket) address when no socket named \"ws\" is handed over; default the RPC port + 1 (env "+wsListenEnv+")")
	program := fs.String("program", solanasim.DefaultProgramID, "base58 address of the preloaded executable program account")
	slot := fs.Duration("slot-interval", solanasim.DefaultSlotInterval, "how often the slot advances")
	seed := fs.Uint64("seed", 0, "derives genesis hash, blockhashes and node keys")
	if err := fs.Parse(args); err != nil {
		return err
	}
	programID, err := solana.PublicKeyFromBase58(*program)
	if err != nil {
		return fmt.Errorf("-program %q is not a base58 public key (%v): pass a 32-byte address such as %s", *program, err, solanasim.DefaultProgramID)
	}
	ls, err := listeners(*listen, *wsListen)
	if err != nil {
		return err
	}
	sim := solanasim.New(solanasim.Options{
		ProgramID: programID, SlotInterval: *slot, Logger: logger, Seed: *seed, RPCAddr: ls.rpc.Addr().String(),
	})
	logger.Info("solanasim listening", "addr", ls.rpc.Addr().String(), "socket_activated", ls.rpcHanded,
		"ws_addr", ls.ws.Addr().String(), "ws_socket_activated", ls.wsHanded,
		"program", programID.String(), "slot_interval", slot.String(), "seed", *seed)
	return serve(ctx, sim, ls, logger)
}

// serve runs the slot clock and the RPC and PubSub servers until ctx is
// done or one of them fails; it returns after all three have stopped. Run's
// return closes the websocket connections, which http.Server.Shutdown does
// not track; Shutdown cuts answers still held by slow mode after
// shutdownGrace.
func serve(ctx context.Context, sim *solanasim.Sim, ls sockets, logger *slog.Logger) error {
	var g vserve.Group
	g.Context(ctx, sim.Run)
	g.HTTP(&http.Server{Handler: sim.Handler(), ReadHeaderTimeout: 10 * time.Second}, ls.rpc, shutdownGrace)
	g.HTTP(&http.Server{Handler: sim.PubSubHandler(), ReadHeaderTimeout: 10 * time.Second}, ls.ws, shutdownGrace)
	g.Until(ctx)
	err := g.Run()
	if err == nil {
		logger.Info("solanasim stopped")
	}
	return err
}

// sockets are the RPC and PubSub listeners and whether each was handed over.
type sockets struct {
	rpc, ws             net.Listener
	rpcHanded, wsHanded bool
}

// listeners prefers sockets handed over by a supervisor (systemd LISTEN_FDS
// protocol): the one named "ws" serves PubSub, the first other one RPC.
// What is not handed over is bound: RPC at rpcAddr, PubSub at wsAddr or,
// when that is empty, at the RPC socket's port + 1, where clients derive it.
func listeners(rpcAddr, wsAddr string) (sockets, error) {
	var ls sockets
	handed, err := activation.ListenersWithNames()
	if err != nil {
		return ls, fmt.Errorf("read LISTEN_FDS sockets: %w", err)
	}
	n := 0
	for name, lns := range handed {
		for _, ln := range lns {
			n++
			switch {
			case ln == nil:
			case name == wsSocketName && ls.ws == nil:
				ls.ws, ls.wsHanded = ln, true
			case name != wsSocketName && ls.rpc == nil:
				ls.rpc, ls.rpcHanded = ln, true
			default:
				_ = ln.Close() // one RPC and one PubSub port are served
			}
		}
	}
	if n > 0 && ls.rpc == nil {
		closeAll(ls.ws)
		return ls, fmt.Errorf("LISTEN_FDS handed over %d descriptors but no stream socket for RPC: pass a TCP listening socket (PubSub's named %q)", n, wsSocketName)
	}
	if ls.rpc == nil {
		if ls.rpc, err = net.Listen("tcp", rpcAddr); err != nil {
			return ls, fmt.Errorf("listen on %s: %w: free the port or set -listen / %s", rpcAddr, err, listenEnv)
		}
	}
	if ls.ws == nil {
		if ls.ws, err = bindPubSub(ls.rpc.Addr().String(), wsAddr); err != nil {
			closeAll(ls.rpc)
			return ls, err
		}
	}
	return ls, nil
}

// bindPubSub binds wsAddr, or the RPC address's port + 1 when it is empty.
func bindPubSub(rpcAddr, wsAddr string) (net.Listener, error) {
	if wsAddr == "" {
		next, err := solanasim.NextPort(rpcAddr)
		if err != nil {
			return nil, fmt.Errorf("derive the PubSub address from %s: %w: set -ws-listen / %s", rpcAddr, err, wsListenEnv)
		}
		wsAddr = next
	}
	ln, err := net.Listen("tcp", wsAddr)
	if err != nil {
		return nil, fmt.Errorf("listen for PubSub on %s: %w: free the port or set -ws-listen / %s", wsAddr, err, wsListenEnv)
	}
	return ln, nil
}

func closeAll(lns ...net.Listener) {
	for _, ln := range lns {
		if ln != nil {
			_ = ln.Close()
		}
	}
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
