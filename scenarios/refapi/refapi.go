// Package refapi is the shared plumbing of the reference stack's three HTTP
// services (pgapi, bankapi, reconapi): configuration from the environment,
// socket-activated or plain listeners, graceful serving, JSON helpers, the
// Postgres pool with embedded idempotent migrations, and deep health checks.
//
// A service supplies an App; Run owns everything else: it listens, connects
// (retrying while Postgres is briefly down), migrates, serves until ctx is
// cancelled, drains in-flight requests, stops the service's Runner and closes
// the pool.
package refapi

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Service is what an App builds once Postgres is ready.
type Service interface {
	// Handler serves the service's routes. Run mounts GET /health beside it.
	Handler() http.Handler
}

// Runner is an optional ability of a Service that owns background work.
// Run starts it after the listener is up and cancels its context only after
// the HTTP server has drained, so in-flight requests can still hand it work.
type Runner interface {
	Run(ctx context.Context) error
}

// App describes one service binary.
type App struct {
	// Name names the service in logs and keys its migration advisory lock.
	Name string
	// Migrations holds *.sql files applied in lexical order at every start;
	// each must be idempotent (CREATE TABLE IF NOT EXISTS ...).
	Migrations fs.FS
	// Build creates the service. The pool is owned by Run, which closes it
	// after the service's Runner (if any) has returned.
	Build func(pool *pgxpool.Pool, log *slog.Logger) (Service, error)
}

// Run serves app until ctx is cancelled (SIGTERM in main), then stops
// accepting, waits up to cfg.ShutdownTimeout for in-flight requests, stops the
// Runner and closes the pool. It returns nil after a clean shutdown.
func Run(ctx context.Context, cfg Config, app App, log *slog.Logger) error {
	log = log.With("service", app.Name)
	l, err := Listen(cfg.Listen)
	if err != nil {
		return err
	}
	pool, err := Open(ctx, cfg.DatabaseURL, app.Name, app.Migrations, cfg.StartTimeout, log)
	if err != nil {
		l.Close()
		return err
	}
	defer pool.Close()
	svc, err := app.Build(pool, log)
	if err != nil {
		l.Close()
		return fmt.Errorf("%s: build: %w", app.Name, err)
	}

	serveCtx, stopServe := context.WithCancel(ctx)
	defer stopServe()
	runCtx, stopRun := context.WithCancel(context.WithoutCancel(ctx))
	defer stopRun()
	runErr := make(chan error, 1)
	if r, ok := svc.(Runner); ok {
		go func() {
			err := r.Run(runCtx)
			stopServe() // a dead runner takes the server down with it
			runErr <- err
		}()
	} else {
		runErr <- nil
	}
	log.Info("serving", "addr", l.Addr().String())
	serveErr := Serve(serveCtx, l, LogRequests(log, Mux(pool, svc)), cfg.ShutdownTimeout)
	stopRun()
	err = errors.Join(serveErr, <-runErr)
	log.Info("stopped", "error", err)
	return err
}

// Mux mounts the deep GET /health (Postgres critical) beside svc's routes.
func Mux(pool *pgxpool.Pool, svc Service) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /health", HealthHandler(PostgresComponent(pool)))
	mux.Handle("/", svc.Handler())
	return mux
}
