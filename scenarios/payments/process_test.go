package payments_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/vigilhq/vigil/faults/pgtest"
	"github.com/vigilhq/vigil/scenarios/payments"
	"github.com/vigilhq/vigil/scenarios/refapi/refapitest"
)

const pgapiPkg = "github.com/vigilhq/vigil/cmd/pgapi"

func startBinary(t *testing.T) (*refapitest.Process, *pgxpool.Pool) {
	t.Helper()
	pg := pgtest.Require(t)
	bin := refapitest.Build(t, pgapiPkg)
	proc := refapitest.StartProcess(t, bin, "DATABASE_URL="+pg.DSN+"&pool_max_conns=12", "SHUTDOWN_TIMEOUT=20s")
	return proc, refapitest.Pool(t, pg.DSN, payments.App())
}

// TestSIGKILLLosesNoAcknowledgedPayment drives concurrent writes against the
// real binary, SIGKILLs it mid-load and requires every payment that got a
// 201 to be in Postgres: an acknowledgement is only sent after COMMIT.
func TestSIGKILLLosesNoAcknowledgedPayment(t *testing.T) {
	proc, pool := startBinary(t)
	const workers = 8
	client := &http.Client{Timeout: 5 * time.Second}
	loadCtx, stopLoad := context.WithTimeout(t.Context(), 3*time.Second)
	defer stopLoad()
	var acked sync.Map // idempotency key -> payment id
	var nAcked, nUnknown, nFailed atomic.Int64
	enough := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := 0; loadCtx.Err() == nil && i < 100_000; i++ {
				key := fmt.Sprintf("dur-%d-%d", w, i)
				code, b, err := refapitest.Do(client, proc.URL+"/v1/payments", key, body{"amount": 100 + i, "currency": "EUR", "merchant": "dur"})
				switch {
				case err != nil:
					nUnknown.Add(1) // outcome unknown: may or may not be committed
					return          // the server is gone (or broken: acked=0 fails below)
				case code == http.StatusCreated:
					acked.Store(key, decodeID(b))
					if nAcked.Add(1) >= 2000 {
						once.Do(func() { close(enough) })
					}
				default:
					nFailed.Add(1)
				}
			}
		})
	}
	select {
	case <-enough:
	case <-time.After(1500 * time.Millisecond):
	}
	if err := proc.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killedAt := nAcked.Load()
	wg.Wait()

	var keys []string
	acked.Range(func(k, _ any) bool { keys = append(keys, k.(string)); return true })
	rows, err := pool.Query(t.Context(), `SELECT idempotency_key, id FROM payments WHERE idempotency_key = ANY($1)`, keys)
	if err != nil {
		t.Fatal(err)
	}
	found, err := pgx.CollectRows(rows, pgx.RowToStructByPos[struct {
		Key string
		ID  int64
	}])
	if err != nil {
		t.Fatal(err)
	}
	inDB := map[string]int64{}
	for _, r := range found {
		inDB[r.Key] = r.ID
	}
	lost := 0
	acked.Range(func(k, id any) bool {
		if got, ok := inDB[k.(string)]; !ok || got != id.(int64) {
			lost++
			t.Errorf("acknowledged payment %s (id %d) not in Postgres (found id %d)", k, id, got)
		}
		return true
	})
	t.Logf("acked=%d (at kill %d) unknown=%d non-2xx=%d lost=%d", len(keys), killedAt, nUnknown.Load(), nFailed.Load(), lost)
	if len(keys) == 0 {
		t.Fatal("no payment was acknowledged before the kill: the load never ran")
	}
	if nFailed.Load() != 0 {
		t.Errorf("%d requests got a non-2xx answer before the kill, want 0", nFailed.Load())
	}
}

// TestSIGTERMFinishesInFlight holds a table lock so creates are provably in
// flight inside Postgres, sends SIGTERM, checks the listener closed, then
// releases the lock: every in-flight create must still answer 201 and the
// process must exit 0.
func TestSIGTERMFinishesInFlight(t *testing.T) {
	proc, pool := startBinary(t)
	ctx := t.Context()
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck
	if _, err := tx.Exec(ctx, `LOCK TABLE payments IN SHARE ROW EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	const n = 6
	type result struct {
		code int
		err  error
	}
	results := make(chan result, n)
	var wg sync.WaitGroup
	defer wg.Wait()
	for i := range n {
		wg.Go(func() {
			code, _, err := refapitest.Do(&http.Client{Timeout: 30 * time.Second}, proc.URL+"/v1/payments",
				fmt.Sprintf("term-%d", i), body{"amount": 1 + i, "currency": "EUR", "merchant": "term"})
			results <- result{code, err}
		})
	}
	refapitest.WaitFor(t, 10*time.Second, "creates blocked on the table lock", func() bool {
		var waiting int
		err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO payments%'`).Scan(&waiting)
		return err == nil && waiting == n
	})
	if err := proc.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	refapitest.WaitFor(t, 10*time.Second, "listener closed after SIGTERM", func() bool {
		c, err := net.DialTimeout("tcp", proc.Addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	select {
	case <-proc.Done():
		t.Fatalf("process exited with creates still in flight:\n%s", proc.Output())
	default:
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(results)
	for r := range results {
		if r.err != nil || r.code != http.StatusCreated {
			t.Errorf("in-flight create = %d, %v; want 201", r.code, r.err)
		}
	}
	if err := proc.Wait(30 * time.Second); err != nil {
		t.Errorf("exit after SIGTERM = %v, want exit 0", err)
	}
	var rows int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM payments WHERE idempotency_key LIKE 'term-%'`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != n {
		t.Errorf("rows = %d, want %d", rows, n)
	}
}

func decodeID(b []byte) int64 {
	var p payments.Payment
	_ = json.Unmarshal(b, &p)
	return p.ID
}
