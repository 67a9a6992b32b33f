package payments

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/vigilhq/vigil/scenarios/refapi"
)

// Page limits for GET /v1/payments.
const (
	DefaultPageLimit = 100
	MaxPageLimit     = 1000
)

// Server serves the payments API on a pool it does not own.
type Server struct {
	pool *pgxpool.Pool
	log  *slog.Logger
}

var _ refapi.Service = (*Server)(nil)

// New returns a Server using pool.
func New(pool *pgxpool.Pool, log *slog.Logger) *Server {
	return &Server{pool: pool, log: log}
}

// Handler routes POST /v1/payments, GET /v1/payments/{id} and GET /v1/payments.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /v1/payments", s.creator())
	mux.Handle("GET /v1/payments/{id}", refapi.GetByID(s.log, "payment", s.byID))
	mux.HandleFunc("GET /v1/payments", s.list)
	return mux
}

const cols = `id, amount, currency, merchant, idempotency_key, created_at`

func scan(row pgx.Row) (Payment, error) {
	var p Payment
	err := row.Scan(&p.ID, &p.Amount, &p.Currency, &p.Merchant, &p.IdempotencyKey, &p.CreatedAt)
	return p, err
}

func (s *Server) creator() refapi.Creator[Request, Payment] {
	return refapi.Creator[Request, Payment]{
		Pool: s.pool,
		Log:  s.log,
		Insert: func(ctx context.Context, tx pgx.Tx, key string, req Request) (Payment, error) {
			return scan(tx.QueryRow(ctx, `INSERT INTO payments (idempotency_key, amount, currency, merchant)
				VALUES ($1, $2, $3, $4) ON CONFLICT (idempotency_key) DO NOTHING RETURNING `+cols,
				key, *req.Amount, req.Currency, req.Merchant))
		},
		Load: func(ctx context.Context, tx pgx.Tx, key string) (Payment, error) {
			return scan(tx.QueryRow(ctx, `SELECT `+cols+` FROM payments WHERE idempotency_key = $1`, key))
		},
		Same: Payment.Matches,
	}
}

func (s *Server) byID(ctx context.Context, id int64) (Payment, error) {
	return scan(s.pool.QueryRow(ctx, `SELECT `+cols+` FROM payments WHERE id = $1`, id))
}

// Page is the body of GET /v1/payments. NextAfter is the id to pass as
// after= for the next page, 0 when this page is the last.
type Page struct {
	Payments  []Payment `json:"payments"`
	NextAfter int64     `json:"next_after"`
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	after, err := refapi.QueryInt(r, "after", 0, 0, 1<<62)
	if err != nil {
		refapi.WriteError(w, http.StatusBadRequest, err.Error())
		return
	}
	limit, err := refapi.QueryInt(r, "limit", DefaultPageLimit, 1, MaxPageLimit)
	if err != nil {
		refapi.WriteError(w, http.StatusBadRequest, err.Error())
		return
	}
	rows, err := s.pool.Query(r.Context(), `SELECT `+cols+` FROM payments WHERE id > $1 ORDER BY id LIMIT $2`, after, limit)
	if err != nil {
		refapi.WriteStoreError(w, s.log, err)
		return
	}
	ps, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Payment, error) { return scan(row) })
	if err != nil {
		refapi.WriteStoreError(w, s.log, err)
		return
	}
	if ps == nil {
		ps = []Payment{}
	}
	page := Page{Payments: ps}
	if int64(len(ps)) == limit {
		page.NextAfter = ps[len(ps)-1].ID
	}
	refapi.WriteJSON(w, http.StatusOK, page)
}
