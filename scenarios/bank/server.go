package bank

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/vigilhq/vigil/scenarios/refapi"
)

// Page limits for GET /v1/statements.
const (
	DefaultPageLimit = 100
	MaxPageLimit     = 1000
)

// Server serves the bank API on a pool it does not own.
type Server struct {
	pool *pgxpool.Pool
	log  *slog.Logger
}

var _ refapi.Service = (*Server)(nil)

// New returns a Server using pool.
func New(pool *pgxpool.Pool, log *slog.Logger) *Server {
	return &Server{pool: pool, log: log}
}

// Handler routes POST /v1/transfers, GET /v1/transfers/{id} and GET /v1/statements.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /v1/transfers", refapi.Creator[Request, Transfer]{
		Pool: s.pool,
		Log:  s.log,
		Insert: func(ctx context.Context, tx pgx.Tx, key string, req Request) (Transfer, error) {
			return scan(tx.QueryRow(ctx, `INSERT INTO transfers (idempotency_key, amount, currency, reference)
				VALUES ($1, $2, $3, $4) ON CONFLICT (idempotency_key) DO NOTHING RETURNING `+cols,
				key, *req.Amount, req.Currency, req.Reference))
		},
		Load: func(ctx context.Context, tx pgx.Tx, key string) (Transfer, error) {
			return scan(tx.QueryRow(ctx, `SELECT `+cols+` FROM transfers WHERE idempotency_key = $1`, key))
		},
		Same: Transfer.Matches,
	})
	mux.Handle("GET /v1/transfers/{id}", refapi.GetByID(s.log, "transfer", s.byID))
	mux.HandleFunc("GET /v1/statements", s.statements)
	return mux
}

const cols = `id, amount, currency, reference, idempotency_key, booked_at`

func scan(row pgx.Row) (Transfer, error) {
	var t Transfer
	err := row.Scan(&t.ID, &t.Amount, &t.Currency, &t.Reference, &t.IdempotencyKey, &t.BookedAt)
	return t, err
}

func (s *Server) byID(ctx context.Context, id int64) (Transfer, error) {
	return scan(s.pool.QueryRow(ctx, `SELECT `+cols+` FROM transfers WHERE id = $1`, id))
}

// Statement is the body of GET /v1/statements: lines in id order.
// NextSince is the id to pass as since= for the next page, 0 when this page
// is the last.
type Statement struct {
	Lines     []Transfer `json:"lines"`
	NextSince int64      `json:"next_since"`
}

// parseSince reads since= as a transfer id (lines with a greater id) or an
// RFC 3339 time (lines booked at or after it).
func parseSince(s string) (afterID int64, from time.Time, err error) {
	if s == "" {
		return 0, time.Time{}, nil
	}
	if id, err := strconv.ParseInt(s, 10, 64); err == nil && id >= 0 {
		return id, time.Time{}, nil
	}
	from, err = time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("since=%q must be a transfer id or an RFC 3339 time like 2024-05-01T12:00:00Z", s)
	}
	return 0, from, nil
}

func (s *Server) statements(w http.ResponseWriter, r *http.Request) {
	afterID, from, err := parseSince(r.URL.Query().Get("since"))
	if err != nil {
		refapi.WriteError(w, http.StatusBadRequest, err.Error())
		return
	}
	limit, err := refapi.QueryInt(r, "limit", DefaultPageLimit, 1, MaxPageLimit)
	if err != nil {
		refapi.WriteError(w, http.StatusBadRequest, err.Error())
		return
	}
	rows, err := s.pool.Query(r.Context(), `SELECT `+cols+` FROM transfers
		WHERE id > $1 AND booked_at >= $2 ORDER BY id LIMIT $3`, afterID, from, limit)
	if err != nil {
		refapi.WriteStoreError(w, s.log, err)
		return
	}
	lines, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Transfer, error) { return scan(row) })
	if err != nil {
		refapi.WriteStoreError(w, s.log, err)
		return
	}
	st := Statement{Lines: lines}
	if st.Lines == nil {
		st.Lines = []Transfer{}
	}
	if int64(len(lines)) == limit {
		st.NextSince = lines[len(lines)-1].ID
	}
	refapi.WriteJSON(w, http.StatusOK, st)
}
