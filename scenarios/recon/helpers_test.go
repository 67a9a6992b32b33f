package recon_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

func decodeInto(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func jsonDecode(resp *http.Response, v any) error { return json.NewDecoder(resp.Body).Decode(v) }

type resultRow struct {
	PaymentID  int64
	Status     string
	TransferID int64
	JobID      int64
	UpdatedAt  time.Time
}

func resultsSnapshot(t *testing.T, pool *pgxpool.Pool) []resultRow {
	t.Helper()
	rows, err := pool.Query(t.Context(), `SELECT payment_id, status, COALESCE(transfer_id, 0), job_id, updated_at FROM recon_results ORDER BY payment_id`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[resultRow])
	if err != nil {
		t.Fatal(err)
	}
	return out
}
