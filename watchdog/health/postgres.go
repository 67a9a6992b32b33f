package health

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/watchdog/config"
)

// pgCloseTimeout bounds the polite Terminate sent when a run's connection is
// closed; the socket is closed regardless.
const pgCloseTimeout = time.Second

// postgresChecker opens a fresh connection per run and always closes it, so
// thousands of runs hold at most one server backend at a time.
type postgresChecker struct {
	cfg     config.PostgresCheck
	connCfg *pgx.ConnConfig
}

var _ Checker = (*postgresChecker)(nil)

func newPostgres(cfg config.PostgresCheck, name string) (*postgresChecker, error) {
	if cfg.DSN == "" {
		return nil, errors.New("postgres.dsn is empty: set a DSN such as postgres://user@127.0.0.1:5432/db?sslmode=disable")
	}
	cc, err := pgx.ParseConfig(cfg.DSN)
	if err != nil {
		// pgx's message may quote the DSN; keep only that it is invalid.
		return nil, errors.New("postgres.dsn does not parse: check its syntax (postgres://user:pass@host:port/db?sslmode=disable)")
	}
	if _, set := cc.RuntimeParams["application_name"]; !set {
		cc.RuntimeParams["application_name"] = "vigil-health:" + name
	}
	// Health queries are one-offs; skip the statement cache.
	cc.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	return &postgresChecker{cfg: cfg, connCfg: cc}, nil
}

// Check connects, runs the query and compares its first column to Expect.
func (p *postgresChecker) Check(ctx context.Context) (string, error) {
	start := time.Now()
	conn, err := pgx.ConnectConfig(ctx, p.connCfg.Copy())
	if err != nil {
		return "", errTimeout(ctx, fmt.Sprintf("connect to postgres at %s:%d", p.connCfg.Host, p.connCfg.Port), err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), pgCloseTimeout)
		defer cancel()
		_ = conn.Close(cctx)
	}()
	got, err := queryFirst(ctx, conn, p.cfg.Query)
	elapsed := time.Since(start)
	if err != nil {
		return "", errTimeout(ctx, fmt.Sprintf("query %q", p.cfg.Query), err)
	}
	detail := fmt.Sprintf("%s in %s", got, ms(elapsed))
	if p.cfg.Expect != "" && got != p.cfg.Expect {
		return detail, fmt.Errorf("query %q returned %q, want %q", p.cfg.Query, got, p.cfg.Expect)
	}
	return detail, nil
}

// queryFirst returns the first column of the first row in PostgreSQL's text
// form, as psql prints it ("1", "t", "on"); "" when the query returns no rows,
// "null" for NULL. The simple protocol makes every result column text.
func queryFirst(ctx context.Context, conn *pgx.Conn, query string) (string, error) {
	rows, err := conn.Query(ctx, query)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	got := ""
	if rows.Next() {
		if raw := rows.RawValues(); len(raw) > 0 {
			got = "null"
			if raw[0] != nil {
				got = string(raw[0])
			}
		}
	}
	return got, rows.Err()
}
