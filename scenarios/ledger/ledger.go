// Package ledger is the table behind the reference stack's two money
// services: pgapi's payments and bankapi's transfers are each one ledger
// table, a row per entry with an id, an amount in minor units, a currency,
// one text column of the service's own (merchant, reference), the
// idempotency key and a timestamp. A Service is such a binary: the
// idempotent create, the read by id and the page in id order on its Table.
// The services keep their own row and request types (their JSON names),
// routes and cursors.
package ledger

import (
	"context"
	"fmt"
	"io/fs"
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

// Entry is what a create request and the row it creates share: the values
// inserted, which a retry with the same Idempotency-Key must repeat.
type Entry struct {
	Amount   int64
	Currency string
	Text     string
}

// Request is a service's create body. Entry is called only after Validate
// returned nil.
type Request interface {
	refapi.Validator
	Entry() Entry
}

// Row is a service's row type: a struct whose exported fields are the
// table's columns in order (id, amount, currency, text, idempotency key,
// time), which is how a Table scans it (pgx.RowToStructByPos).
type Row interface {
	Entry() Entry
	// RowID is the row's id, where the next page starts after it.
	RowID() int64
}

// Table is one ledger table whose rows a service reads as T and creates
// from requests Req. It uses a pool it does not own.
type Table[Req Request, T Row] struct {
	Pool *pgxpool.Pool
	Log  *slog.Logger
	// Name is the table; Text and Time name its text and timestamp
	// columns (payments, merchant, created_at).
	Name, Text, Time string
}

// Columns are the columns a row is selected as: T's fields, in order.
func (t Table[Req, T]) Columns() string {
	return "id, amount, currency, " + t.Text + ", idempotency_key, " + t.Time
}

// Creator is the idempotent create endpoint on the table.
func (t Table[Req, T]) Creator() refapi.Creator[Req, T] {
	return refapi.Creator[Req, T]{
		Pool: t.Pool,
		Log:  t.Log,
		Insert: func(ctx context.Context, tx pgx.Tx, key string, req Req) (T, error) {
			e := req.Entry()
			return one[T](tx.Query(ctx, `INSERT INTO `+t.Name+` (idempotency_key, amount, currency, `+t.Text+`)
				VALUES ($1, $2, $3, $4) ON CONFLICT (idempotency_key) DO NOTHING RETURNING `+t.Columns(),
				key, e.Amount, e.Currency, e.Text))
		},
		Load: func(ctx context.Context, tx pgx.Tx, key string) (T, error) {
			return one[T](tx.Query(ctx, `SELECT `+t.Columns()+` FROM `+t.Name+` WHERE idempotency_key = $1`, key))
		},
		Same: func(row T, req Req) bool { return row.Entry() == req.Entry() },
	}
}

// ByID reads the row with id; pgx.ErrNoRows when there is none.
func (t Table[Req, T]) ByID(ctx context.Context, id int64) (T, error) {
	return one[T](t.Pool.Query(ctx, `SELECT `+t.Columns()+` FROM `+t.Name+` WHERE id = $1`, id))
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
			next = rows[len(rows)-1].RowID()
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
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[T])
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []T{}
	}
	return out, nil
}

// one reads the one row a query selected as Columns into T's fields, in
// order; pgx.ErrNoRows when it returned none.
func one[T any](rows pgx.Rows, err error) (T, error) {
	if err != nil {
		var zero T
		return zero, err
	}
	return pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[T])
}

// Service describes a money service binary on one ledger table: it creates
// rows at POST Path, reads one at GET Path/{id} and pages at GET List.
type Service[Req Request, T Row] struct {
	// Name names the binary (pgapi); Migrations hold migrations/*.sql,
	// which create the table.
	Name       string
	Migrations fs.FS
	// Table, Text and Time name the table and its text and timestamp
	// columns, as in Table.
	Table, Text, Time string
	// Path is the collection (/v1/payments); Item names one row in a 404.
	Path, Item string
	// List is the path of the pages: Cursor reads their position and Page
	// builds their body, as in Table.List.
	List   string
	Cursor Cursor
	Page   func(rows []T, next int64) any
}

// App is the refapi.App that runs the service.
func (s Service[Req, T]) App() refapi.App {
	return refapi.App{
		Name:       s.Name,
		Migrations: refapi.MigrationsDir(s.Migrations),
		Build: func(pool *pgxpool.Pool, log *slog.Logger) (refapi.Service, error) {
			return server[Req, T]{s, Table[Req, T]{Pool: pool, Log: log, Name: s.Table, Text: s.Text, Time: s.Time}}, nil
		},
	}
}

// server serves a Service on its table.
type server[Req Request, T Row] struct {
	svc   Service[Req, T]
	table Table[Req, T]
}

var _ refapi.Service = server[Request, Row]{}

// Handler routes the create, the read by id and the pages.
func (s server[Req, T]) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST "+s.svc.Path, s.table.Creator())
	mux.Handle("GET "+s.svc.Path+"/{id}", refapi.GetByID(s.table.Log, s.svc.Item, s.table.ByID))
	mux.Handle("GET "+s.svc.List, s.table.List(s.svc.Cursor, s.svc.Page))
	return mux
}
