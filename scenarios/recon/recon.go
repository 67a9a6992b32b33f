// Package recon is reconapi, the reference stack's reconciler: a job pulls
// payments from pgapi and statement lines from bankapi, matches them
// (payment id == transfer reference, same amount and currency) and upserts
// one result per payment into Postgres, so re-running a job is idempotent.
// GET /recon/health reports Postgres (critical), the Solana RPC node, pgapi
// and bankapi (non-critical). Each succeeded job also records a settlement
// transfer on Solana and confirms it (settle.go).
package recon

import (
	"crypto/sha256"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/gagliardetto/solana-go"
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
	// SolanaRPCURL is the JSON-RPC endpoint probed with getHealth and
	// used for settlements (SOLANA_RPC_URL, default http://127.0.0.1:8899).
	SolanaRPCURL string
	// SettlementKey pays for one settlement transfer per reconciled job
	// (SETTLEMENT_KEY, base58; default a fresh key per start, funded by
	// airdrop). Nil turns settlements off (RECON_SETTLE=off).
	SettlementKey solana.PrivateKey
	// SettlementAccount receives the settlements (SETTLEMENT_ACCOUNT,
	// default DefaultSettlementAccount).
	SettlementAccount solana.PublicKey
	// ConfirmWithin bounds the wait for one settlement to be confirmed
	// (default the constant ConfirmWithin).
	ConfirmWithin time.Duration
	// Every, when positive, runs a job on that schedule besides the ones
	// POST /recon/jobs queues (RECON_EVERY, default 0: off).
	Every time.Duration
}

// DefaultSettlementAccount is where settlements go unless
// SETTLEMENT_ACCOUNT says otherwise: an address derived from a fixed
// string, which nobody holds the key of.
func DefaultSettlementAccount() solana.PublicKey {
	return solana.PublicKeyFromBytes(sha256Sum("vigil/recon/settlement"))
}

func sha256Sum(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
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
	errs = append(errs, cfg.loadSettlement(getenv))
	return cfg, errors.Join(errs...)
}

// loadSettlement reads the settlement and schedule variables.
func (cfg *Config) loadSettlement(getenv func(string) string) error {
	var errs []error
	cfg.SettlementAccount = DefaultSettlementAccount()
	if v := getenv("SETTLEMENT_ACCOUNT"); v != "" {
		pk, err := solana.PublicKeyFromBase58(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("SETTLEMENT_ACCOUNT=%q must be a base58 public key: %w", v, err))
		}
		cfg.SettlementAccount = pk
	}
	switch v := getenv("RECON_SETTLE"); v {
	case "", "on":
		if k := getenv("SETTLEMENT_KEY"); k != "" {
			pk, err := solana.PrivateKeyFromBase58(k)
			if err != nil {
				errs = append(errs, errors.New("SETTLEMENT_KEY must be a base58 private key (64 bytes, as solana-keygen prints it)"))
			}
			cfg.SettlementKey = pk
		} else {
			pk, err := solana.NewRandomPrivateKey()
			if err != nil {
				errs = append(errs, fmt.Errorf("generate a settlement key: %w", err))
			}
			cfg.SettlementKey = pk
		}
	case "off":
	default:
		errs = append(errs, fmt.Errorf("RECON_SETTLE=%q must be on or off", v))
	}
	if v := getenv("RECON_EVERY"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			errs = append(errs, fmt.Errorf("RECON_EVERY=%q must be a duration such as 5s (0 or unset: no scheduled jobs)", v))
		}
		cfg.Every = d
	}
	return errors.Join(errs...)
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
