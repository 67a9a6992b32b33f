// Package recon is reconapi, the reference stack's reconciler: a job pulls
// payments from pgapi and statement lines from bankapi, matches them
// (payment id == transfer reference, same amount and currency) and upserts
// one result per payment into Postgres, so re-running a job is idempotent.
// GET /recon/health reports Postgres (critical), the Solana RPC node, pgapi
// and bankapi (non-critical).
package recon

import (
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"net/url"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/vigilhq/vigil/scenarios/refapi"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Default listen address and the variable that overrides it.
const (
	ListenEnv     = "RECONAPI_LISTEN"
	DefaultListen = "127.0.0.1:5103"
)

// Config locates the services reconapi reads from.
type Config struct {
	// PgapiURL is pgapi's base URL (PGAPI_URL, default http://127.0.0.1:5101).
	PgapiURL string
	// BankapiURL is bankapi's base URL (BANKAPI_URL, default http://127.0.0.1:5102).
	BankapiURL string
	// SolanaRPCURL is the JSON-RPC endpoint probed with getHealth
	// (SOLANA_RPC_URL, default http://127.0.0.1:8899).
	SolanaRPCURL string
}

// LoadConfig reads Config from getenv (os.Getenv in main), reporting every
// malformed URL at once.
func LoadConfig(getenv func(string) string) (Config, error) {
	cfg := Config{
		PgapiURL:     "http://127.0.0.1:5101",
		BankapiURL:   "http://127.0.0.1:5102",
		SolanaRPCURL: "http://127.0.0.1:8899",
	}
	var errs []error
	for _, v := range []struct {
		env string
		dst *string
	}{{"PGAPI_URL", &cfg.PgapiURL}, {"BANKAPI_URL", &cfg.BankapiURL}, {"SOLANA_RPC_URL", &cfg.SolanaRPCURL}} {
		if s := getenv(v.env); s != "" {
			*v.dst = s
		}
		if u, err := url.Parse(*v.dst); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("%s=%q must be an http(s) URL like http://127.0.0.1:5101", v.env, *v.dst))
		}
	}
	return cfg, errors.Join(errs...)
}

// App describes the reconapi binary for refapi.Run; its Service is also the
// refapi.Runner that executes jobs.
func App(cfg Config) refapi.App {
	return refapi.App{
		Name:       "reconapi",
		Migrations: refapi.MigrationsDir(migrationFiles),
		Build: func(pool *pgxpool.Pool, log *slog.Logger) (refapi.Service, error) {
			return New(cfg, pool, log), nil
		},
	}
}
