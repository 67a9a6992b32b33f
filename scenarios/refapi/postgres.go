package refapi

import (
	"context"
	"fmt"
	"hash/fnv"
	"io/fs"
	"log/slog"
	"sort"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/sethvargo/go-retry"
)

// Open creates the pool for dsn and applies migrations, retrying with capped
// exponential backoff for up to timeout while Postgres is unreachable. The
// caller owns and closes the returned pool.
func Open(ctx context.Context, dsn, name string, migrations fs.FS, timeout time.Duration, log *slog.Logger) (*pgxpool.Pool, error) {
	pcfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL is not a valid Postgres DSN: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, fmt.Errorf("postgres pool: %w", err)
	}
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	backoff := retry.WithCappedDuration(2*time.Second, retry.NewExponential(100*time.Millisecond))
	attempt := 0
	err = retry.Do(tctx, backoff, func(ctx context.Context) error {
		attempt++
		err := Migrate(ctx, pool, name, migrations)
		if err != nil {
			log.Warn("postgres not ready", "attempt", attempt, "error", err)
			return retry.RetryableError(err)
		}
		return nil
	})
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres not ready after %s (%d attempts): %w: check DATABASE_URL and that Postgres is running, or raise START_TIMEOUT", timeout, attempt, err)
	}
	log.Info("postgres ready", "attempt", attempt)
	return pool, nil
}

// Migrate applies every *.sql file in fsys in lexical order while holding a
// session advisory lock keyed by name, so concurrent starts of the same
// service serialise. Files must be idempotent; they run at every start.
func Migrate(ctx context.Context, pool *pgxpool.Pool, name string, fsys fs.FS) error {
	files, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	sort.Strings(files)
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migrations: connect: %w", err)
	}
	defer conn.Release()
	key := lockKey(name)
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
		return fmt.Errorf("migrations: advisory lock: %w", err)
	}
	// A dropped session releases the lock on its own; unlock on a fresh
	// context so a cancelled start does not leave it held on a pooled conn.
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", key) //nolint:errcheck
	for _, f := range files {
		sql, err := fs.ReadFile(fsys, f)
		if err != nil {
			return fmt.Errorf("migrations: %w", err)
		}
		if _, err := conn.Exec(ctx, string(sql)); err != nil {
			return fmt.Errorf("migration %s: %w", f, err)
		}
	}
	return nil
}

func lockKey(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte("vigil-refapi-migrate:" + name))
	return int64(h.Sum64())
}

// MigrationsDir returns the "migrations" directory of a service's embedded
// files, the layout every service uses (//go:embed migrations/*.sql).
func MigrationsDir(files fs.FS) fs.FS {
	sub, err := fs.Sub(files, "migrations")
	if err != nil {
		panic(err) // only for an invalid literal path
	}
	return sub
}
