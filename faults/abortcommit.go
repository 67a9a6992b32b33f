package faults

import (
	"context"
	"fmt"
	"regexp"
	"strconv"

	"github.com/jackc/pgx/v5"
)

// AbortCommit makes Postgres abort a share of the transactions that insert
// into a table, at COMMIT, after the INSERT itself succeeded: a deferred
// constraint trigger raises an error when the transaction commits. The
// application stays up and its database answers; what breaks is exactly
// the window between "my INSERT worked" and "my COMMIT worked". A service
// that acknowledges a write before its COMMIT, or remembers a key before
// it, loses writes under it. Revert drops the trigger and its function.
type AbortCommit struct {
	// DSN connects with a role that may create triggers on Table.
	DSN string
	// Table is the table whose inserts are aborted (e.g. "payments").
	Table string
	// Probability is the share of transactions aborted, in (0, 1].
	Probability float64
}

var (
	_ Fault    = (*AbortCommit)(nil)
	_ Targeter = (*AbortCommit)(nil)
)

// abortCommitName names the trigger and its function: one per table.
const abortCommitName = "vigil_chaos_abort_commit"

// Name is "pg-abort-commit".
func (a *AbortCommit) Name() string { return "pg-abort-commit" }

// Target is the table.
func (a *AbortCommit) Target() string { return a.Table }

// identifier accepts plain (optionally schema-qualified) SQL names only.
var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$`)

// Inject creates the function and the deferred trigger.
func (a *AbortCommit) Inject(ctx context.Context) (Revert, error) {
	if !identifier.MatchString(a.Table) {
		return nil, fmt.Errorf("abort commit: table %q is not a plain SQL name", a.Table)
	}
	if a.Probability <= 0 || a.Probability > 1 {
		return nil, fmt.Errorf("abort commit on %s: probability %v: want a share in (0, 1]", a.Table, a.Probability)
	}
	p := strconv.FormatFloat(a.Probability, 'f', -1, 64)
	stmts := []string{
		`CREATE OR REPLACE FUNCTION ` + abortCommitName + `() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF random() < ` + p + ` THEN
		RAISE EXCEPTION 'vigil chaos: transaction aborted at commit' USING ERRCODE = 'serialization_failure';
	END IF;
	RETURN NULL;
END $$`,
		`DROP TRIGGER IF EXISTS ` + abortCommitName + ` ON ` + a.Table,
		`CREATE CONSTRAINT TRIGGER ` + abortCommitName + ` AFTER INSERT ON ` + a.Table +
			` DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ` + abortCommitName + `()`,
	}
	if err := a.exec(ctx, stmts...); err != nil {
		return nil, fmt.Errorf("abort commit on %s: %w", a.Table, err)
	}
	return once(func(ctx context.Context) error {
		if err := a.exec(ctx, `DROP TRIGGER IF EXISTS `+abortCommitName+` ON `+a.Table, `DROP FUNCTION IF EXISTS `+abortCommitName+`()`); err != nil {
			return fmt.Errorf("remove abort-commit trigger on %s: %w", a.Table, err)
		}
		return nil
	}), nil
}

// exec runs stmts in one transaction on a connection of its own.
func (a *AbortCommit) exec(ctx context.Context, stmts ...string) error {
	conn, err := pgx.Connect(ctx, a.DSN)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		for _, s := range stmts {
			if _, err := tx.Exec(ctx, s); err != nil {
				return err
			}
		}
		return nil
	})
}
