package stack

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Endpoints are the stack's addresses. Host-side ones use 127.0.0.1; the
// Internal ones are for containers on the stack network. An address is ""
// when its container does not run.
type Endpoints struct {
	// PostgresDSN goes through Toxiproxy (proxy ProxyPostgres): stable across
	// Postgres restarts, and cut when the proxy is disabled.
	PostgresDSN string
	// PostgresDirectDSN bypasses Toxiproxy; its port changes when the
	// Postgres container is stopped and started (call Refresh).
	PostgresDirectDSN string
	// PostgresInternalDSN is PostgresDSN as seen from the stack network.
	PostgresInternalDSN string

	// ToxiproxyURL is the Toxiproxy HTTP API (what Stack.Toxi talks to).
	ToxiproxyURL string

	// SolanaRPC goes through Toxiproxy (proxy ProxySolana).
	SolanaRPC string
	// SolanaDirectRPC bypasses Toxiproxy.
	SolanaDirectRPC string
	// SolanaInternalRPC is SolanaRPC as seen from the stack network.
	SolanaInternalRPC string
	// SolanaPubSub is the PubSub websocket (ws://) through Toxiproxy (proxy
	// ProxySolanaPubSub); SolanaDirectPubSub bypasses it;
	// SolanaInternalPubSub is SolanaPubSub as seen from the stack network.
	SolanaPubSub, SolanaDirectPubSub, SolanaInternalPubSub string

	// App: the watchdog's API and the three services in the stack container.
	WatchdogAPI, PgAPI, BankAPI, ReconAPI string
	// Control is the control container's base URL (see Control).
	Control string
}

// Refresh re-reads the mapped host ports into Endpoints; call it after
// stopping and starting a container.
func (s *Stack) Refresh(ctx context.Context) error {
	var e Endpoints
	addr := func(name, port string, format string) (string, error) {
		a, err := s.hostAddr(ctx, name, port)
		if err != nil || a == "" {
			return "", err
		}
		return fmt.Sprintf(format, a), nil
	}
	var errs []error
	set := func(dst *string, name, port, format string) {
		v, err := addr(name, port, format)
		*dst = v
		errs = append(errs, err)
	}
	set(&e.ToxiproxyURL, Toxiproxy, toxiproxyAPIPort, "http://%s")
	set(&e.PostgresDSN, Toxiproxy, toxiproxyPostgresPort, "%s")
	set(&e.PostgresDirectDSN, Postgres, postgresPort, "%s")
	e.PostgresDSN, e.PostgresDirectDSN = s.dsn(e.PostgresDSN), s.dsn(e.PostgresDirectDSN)
	e.PostgresInternalDSN = s.dsn(Toxiproxy + ":8666")
	if s.containers[Solana] != nil {
		set(&e.SolanaRPC, Toxiproxy, toxiproxySolanaPort, "http://%s")
		set(&e.SolanaDirectRPC, Solana, solanaPort, "http://%s")
		e.SolanaInternalRPC = "http://" + Toxiproxy + ":8667"
		set(&e.SolanaPubSub, Toxiproxy, toxiproxyPubSubPort, "ws://%s")
		set(&e.SolanaDirectPubSub, Solana, solanaPubSubPort, "ws://%s")
		e.SolanaInternalPubSub = "ws://" + Toxiproxy + ":8668"
	}
	if s.containers[Control] != nil {
		set(&e.Control, Control, solanaPort, "http://%s")
	}
	set(&e.WatchdogAPI, App, appWatchdogPort, "http://%s")
	set(&e.PgAPI, App, "5101/tcp", "http://%s")
	set(&e.BankAPI, App, "5102/tcp", "http://%s")
	set(&e.ReconAPI, App, "5103/tcp", "http://%s")
	if err := errors.Join(errs...); err != nil {
		return err
	}
	s.Endpoints = e
	return nil
}

// checkThroughProxy fills Endpoints and proves the proxied links carry
// traffic: Postgres answers SELECT 1 and Solana getHealth through Toxiproxy.
func (s *Stack) checkThroughProxy(ctx context.Context) error {
	if err := s.Refresh(ctx); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.StartTimeout)
	defer cancel()
	if err := poll(ctx, "SELECT 1 through toxiproxy", func(ctx context.Context) error {
		return Ping(ctx, s.Endpoints.PostgresDSN)
	}); err != nil {
		return err
	}
	if s.Endpoints.SolanaRPC == "" {
		return nil
	}
	return poll(ctx, "Solana getHealth through toxiproxy", func(ctx context.Context) error {
		return RPCHealth(ctx, s.Endpoints.SolanaRPC)
	})
}

// Ping opens dsn and runs SELECT 1, bounded by ctx.
func Ping(ctx context.Context, dsn string) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	var one int
	return db.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// RPCHealth calls getHealth on a Solana JSON-RPC url; nil means "ok".
func RPCHealth(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(getHealthRequest))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Close = true // a fresh connection each time: a cut link must show
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if !isHealthOK(resp.Body) {
		return fmt.Errorf("getHealth on %s: status %s, result not \"ok\"", url, resp.Status)
	}
	return nil
}

// poll runs f every 200ms until it succeeds or ctx ends, then returns f's
// last error.
func poll(ctx context.Context, what string, f func(context.Context) error) error {
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		actx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := f(actx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: not ready: %w (last error: %v)", what, ctx.Err(), err)
		case <-t.C:
		}
	}
}
