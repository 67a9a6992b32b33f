package health

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/vigilhq/vigil/watchdog/config"
)

// pgCloseTimeout bounds the polite Terminate sent when a run's connection is
// closed; the socket is closed regardless.
const pgCloseTimeout = time.Second

// postgresChecker opens a fresh connection per run and always closes it, so
// thousands of runs hold at most one server backend at a time. It speaks
// through pgconn, pgx's wire-protocol layer, with the simple query protocol:
// pgx.Conn on top (a type map per connection, statement caches) cost the
// daemon code it never used (docs/benchmarks.md).
type postgresChecker struct {
	cfg     config.PostgresCheck
	connCfg *pgconn.Config
}

var _ Checker = (*postgresChecker)(nil)

// pgxOnlyParams are the DSN parameters pgx.ParseConfig takes for itself
// (statement caches, exec mode); they are no server settings. The simple
// protocol uses no cache, so they are checked as pgx checked them and dropped.
var pgxOnlyParams = map[string]func(string) bool{
	"statement_cache_capacity":   isInt32,
	"description_cache_capacity": isInt32,
	"default_query_exec_mode": func(s string) bool {
		return slices.Contains([]string{"cache_statement", "cache_describe", "describe_exec", "exec", "simple_protocol"}, s)
	},
}

func isInt32(s string) bool {
	_, err := strconv.ParseInt(s, 10, 32)
	return err == nil
}

func newPostgres(cfg config.PostgresCheck, name string) (*postgresChecker, error) {
	if cfg.DSN == "" {
		return nil, errors.New("postgres.dsn is empty: set a DSN such as postgres://user@127.0.0.1:5432/db?sslmode=disable")
	}
	// pgx's message may quote the DSN; keep only that it is invalid.
	errParse := errors.New("postgres.dsn does not parse: check its syntax (postgres://user:pass@host:port/db?sslmode=disable)")
	cc, err := pgconn.ParseConfig(cfg.DSN)
	if err != nil {
		return nil, errParse
	}
	for k, ok := range pgxOnlyParams {
		if v, set := cc.RuntimeParams[k]; set {
			if !ok(v) {
				return nil, errParse
			}
			delete(cc.RuntimeParams, k)
		}
	}
	if _, set := cc.RuntimeParams["application_name"]; !set {
		cc.RuntimeParams["application_name"] = "vigil-health:" + name
	}
	return &postgresChecker{cfg: cfg, connCfg: cc}, nil
}

// Check connects, runs the query and compares its first column to Expect.
func (p *postgresChecker) Check(ctx context.Context) (string, error) {
	start := time.Now()
	conn, err := pgconn.ConnectConfig(ctx, p.connCfg.Copy())
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
// "null" for NULL. The simple protocol makes every result column text. As
// pgx's Query did: only the first result counts, and an error the server
// reports after that first row is not the check's.
func queryFirst(ctx context.Context, conn *pgconn.PgConn, query string) (string, error) {
	// pgx refused the simple protocol under these settings (it could not
	// have escaped arguments); keep the same answer.
	if conn.ParameterStatus("standard_conforming_strings") != "on" {
		return "", errors.New("simple protocol queries must be run with standard_conforming_strings=on")
	}
	if conn.ParameterStatus("client_encoding") != "UTF8" {
		return "", errors.New("simple protocol queries must be run with client_encoding=UTF8")
	}
	mrr := conn.Exec(ctx, query)
	if !mrr.NextResult() {
		return "", mrr.Close()
	}
	rr := mrr.ResultReader()
	if rr.NextRow() {
		got := ""
		if raw := rr.Values(); len(raw) > 0 {
			got = "null"
			if raw[0] != nil {
				got = string(raw[0])
			}
		}
		_, _ = rr.Close()
		_ = mrr.Close()
		return got, nil
	}
	_, err := rr.Close()
	if cerr := mrr.Close(); err == nil {
		err = cerr
	}
	return "", err
}
