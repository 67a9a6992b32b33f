package faults

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vigilhq/vigil/faults/pgtest"
)

// TestAbortCommitAbortsAfterTheInsertSucceeded: under the fault the INSERT
// of a transaction succeeds and its COMMIT fails, leaving no row; about the
// stated share of transactions is aborted; after the revert every commit
// holds and the trigger is gone.
func TestAbortCommitAbortsAfterTheInsertSucceeded(t *testing.T) {
	pg := pgtest.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn := connectApp(t, pg.DSN, "faults-abort")
	if _, err := conn.Exec(ctx, `CREATE TABLE abort_t (k text PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	insert := func(k string) (insertErr, commitErr error) {
		tx, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, insertErr = tx.Exec(ctx, `INSERT INTO abort_t VALUES ($1)`, k); insertErr != nil {
			_ = tx.Rollback(ctx)
			return insertErr, nil
		}
		return nil, tx.Commit(ctx)
	}
	count := func() int {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM abort_t`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	f := &AbortCommit{DSN: pg.DSN, Table: "abort_t", Probability: 1}
	revert := mustInject(ctx, t, f)
	ierr, cerr := insert("a")
	if ierr != nil || cerr == nil || !strings.Contains(cerr.Error(), "aborted at commit") {
		t.Fatalf("under the fault: insert %v, commit %v; want the insert to succeed and the commit to fail", ierr, cerr)
	}
	if n := count(); n != 0 {
		t.Fatalf("rows after an aborted commit = %d, want 0", n)
	}
	if err := revert(ctx); err != nil {
		t.Fatalf("revert() = %v", err)
	}

	half := &AbortCommit{DSN: pg.DSN, Table: "abort_t", Probability: 0.5}
	revert = mustInject(ctx, t, half)
	aborted := 0
	for i := range 200 {
		if _, cerr := insert(fmt.Sprintf("h%d", i)); cerr != nil {
			aborted++
		}
	}
	if aborted < 60 || aborted > 140 {
		t.Errorf("aborted %d of 200 at probability 0.5, want about 100", aborted)
	}
	if err := revert(ctx); err != nil {
		t.Fatalf("revert() = %v", err)
	}
	if ierr, cerr := insert("after"); ierr != nil || cerr != nil {
		t.Fatalf("after the revert: insert %v, commit %v; want both to succeed", ierr, cerr)
	}
	var triggers int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_trigger WHERE tgname = $1`, abortCommitName).Scan(&triggers); err != nil || triggers != 0 {
		t.Errorf("triggers left after revert = %d (%v), want 0", triggers, err)
	}
}

func TestAbortCommitRejectsBadInput(t *testing.T) {
	for _, f := range []*AbortCommit{
		{Table: "payments; DROP TABLE x", Probability: 0.5},
		{Table: "payments", Probability: 0},
		{Table: "payments", Probability: 1.5},
	} {
		if _, err := f.Inject(context.Background()); err == nil {
			t.Errorf("Inject(%+v) = nil, want an error", f)
		}
	}
}
