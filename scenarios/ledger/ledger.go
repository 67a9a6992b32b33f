// Package ledger is the table behind the reference stack's two money
// services: pgapi's payments and bankapi's transfers are each one ledger
// table, a row per entry with an id, an amount in minor units, a currency,
// one text column of the service's own (merchant, reference), the
// idempotency key and a timestamp. A Table serves what both services serve
// on it: the idempotent create, the read by id and the page in id order.
// The services keep their own row types, JSON names and routes.
package ledger

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vigilhq/vigil/scenarios/refapi"
)

// Page limits of the list endpoints (limit=).
const (
	DefaultPageLimit = 100
	MaxPageLimit     = 1000
)

// Table is one ledger table whose rows a service reads as T and creates
// from requests Req. It uses a pool it does not own.
type Table[Req refapi.Validator, T any] struct {
	Pool *pgxpool.Pool
	Log  *slog.Logger
	// Name is the table; Text and Time name its text and timestamp
	// columns (payments, merchant, created_at).
	Name, Text, Time string
	// Scan reads a row selected as Columns.
	Scan func(pgx.Row) (T, error)
	// ID returns a row's id, the position of the next page.
	ID func(T) int64
	// Values returns what a request inserts: amount, currency and text.
	Values func(Req) (amount int64, currency, text string)
	// Same reports whether row was created from a request equal to req.
	Same func(row T, req Req) bool
}

// Columns are the columns Scan reads, in order.
func (t Table[Req, T]) Columns() string {
	return "id, amount, currency, " + t.Text + ", idempotency_key, " + t.Time
}

// Creator is the idempotent create endpoint on the table.
func (t Table[Req, T]) Creator() refapi.Creator[Req, T] {
	return refapi.Creator[Req, T]{
		Pool: t.Pool,
		Log:  t.Log,
		Insert: func(ctx context.Context, tx pgx.Tx, key string, req Req) (T, error) {
			amount, currency, text := t.Values(req)
			return t.Scan(tx.QueryRow(ctx, `INSERT INTO `+t.Name+` (idempotency_key, amount, currency, `+t.Text+`)
				VALUES ($1, $2, $3, $4) ON CONFLICT (idempotency_key) DO NOTHING RETURNING `+t.Columns(),
				key, amount, currency, text))
		},
		Load: func(ctx context.Context, tx pgx.Tx, key string) (T, error) {
			return t.Scan(tx.QueryRow(ctx, `SELECT `+t.Columns()+` FROM `+t.Name+` WHERE idempotency_key = $1`, key))
		},
		Same: t.Same,
	}
}

// ByID reads the row with id; pgx.ErrNoRows when there is none.
func (t Table[Req, T]) ByID(ctx context.Context, id int64) (T, error) {
	return t.Scan(t.Pool.QueryRow(ctx, `SELECT `+t.Columns()+` FROM `+t.Name+` WHERE id = $1`, id))
}

// Cursor reads where a page starts from a list request: rows with an id
// above after and, unless from is zero, a timestamp at or after from. Its
// error is the client's (sent as 400).
type Cursor func(r *http.Request) (after int64, from time.Time, err error)

// List serves pages of rows in id order: at the cursor's position, at most
// limit= rows (DefaultPageLimit, at most MaxPageLimit), answered with
// page(rows, next), where rows is never nil and next is the last row's id
// when the page is full, else 0.
func (t Table[Req, T]) List(cursor Cursor, page func(rows []T, next int64) any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		after, from, err := cursor(r)
		if err != nil {
			refapi.WriteError(w, http.StatusBadRequest, err.Error())
			return
		}
		limit, err := refapi.QueryInt(r, "limit", DefaultPageLimit, 1, MaxPageLimit)
		if err != nil {
			refapi.WriteError(w, http.StatusBadRequest, err.Error())
			return
		}
		rows, err := t.page(r.Context(), after, from, limit)
		if err != nil {
			refapi.WriteStoreError(w, t.Log, err)
			return
		}
		var next int64
		if int64(len(rows)) == limit {
			next = t.ID(rows[len(rows)-1])
		}
		refapi.WriteJSON(w, http.StatusOK, page(rows, next))
	}
}

// page reads up to limit rows after the id after (and from from, unless
// zero) in id order; never nil.
func (t Table[Req, T]) page(ctx context.Context, after int64, from time.Time, limit int64) ([]T, error) {
	query, args := `SELECT `+t.Columns()+` FROM `+t.Name+` WHERE id > $1 ORDER BY id LIMIT $2`, []any{after, limit}
	if !from.IsZero() {
		query = fmt.Sprintf(`SELECT %s FROM %s WHERE id > $1 AND %s >= $2 ORDER BY id LIMIT $3`, t.Columns(), t.Name, t.Time)
		args = []any{after, from, limit}
	}
	rows, err := t.Pool.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (T, error) { return t.Scan(row) })
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []T{}
	}
	return out, nil
}
