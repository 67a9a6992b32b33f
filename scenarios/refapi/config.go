package refapi

import (
	"errors"
	"fmt"
	"time"
)

// Config is what every service reads from its environment.
type Config struct {
	// Listen is the TCP address used when no socket was handed over via
	// LISTEN_FDS (from <NAME>_LISTEN, e.g. PGAPI_LISTEN).
	Listen string
	// DatabaseURL is the Postgres DSN (DATABASE_URL, required).
	DatabaseURL string
	// StartTimeout bounds connecting and migrating while Postgres is down
	// (START_TIMEOUT, default 30s).
	StartTimeout time.Duration
	// ShutdownTimeout bounds draining in-flight requests on SIGTERM
	// (SHUTDOWN_TIMEOUT, default 10s).
	ShutdownTimeout time.Duration
}

// Defaults for the optional durations.
const (
	DefaultStartTimeout    = 30 * time.Second
	DefaultShutdownTimeout = 10 * time.Second
)

// LoadConfig reads the Config from getenv (os.Getenv in main). listenEnv
// names the service's address variable and defaultListen is used when unset.
// It reports every problem at once.
func LoadConfig(getenv func(string) string, listenEnv, defaultListen string) (Config, error) {
	cfg := Config{
		Listen:          getenv(listenEnv),
		DatabaseURL:     getenv("DATABASE_URL"),
		StartTimeout:    DefaultStartTimeout,
		ShutdownTimeout: DefaultShutdownTimeout,
	}
	if cfg.Listen == "" {
		cfg.Listen = defaultListen
	}
	var errs []error
	if cfg.DatabaseURL == "" {
		errs = append(errs, errors.New("DATABASE_URL is not set: set it to a Postgres DSN like postgres://user@127.0.0.1:5432/db?sslmode=disable"))
	}
	for _, d := range []struct {
		env string
		dst *time.Duration
	}{{"START_TIMEOUT", &cfg.StartTimeout}, {"SHUTDOWN_TIMEOUT", &cfg.ShutdownTimeout}} {
		if err := parseDuration(getenv(d.env), d.dst); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", d.env, err))
		}
	}
	return cfg, errors.Join(errs...)
}

func parseDuration(s string, dst *time.Duration) error {
	if s == "" {
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration: write it like 30s or 500ms", s)
	}
	if d <= 0 {
		return fmt.Errorf("%q must be positive", s)
	}
	*dst = d
	return nil
}
