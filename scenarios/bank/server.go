package bank

import (
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vigilhq/vigil/scenarios/ledger"
	"github.com/vigilhq/vigil/scenarios/refapi"
)

// Page limits for GET /v1/statements.
const (
	DefaultPageLimit = ledger.DefaultPageLimit
	MaxPageLimit     = ledger.MaxPageLimit
)

// Server serves the bank API on a pool it does not own.
type Server struct {
	log       *slog.Logger
	transfers ledger.Table[Request, Transfer]
}

var _ refapi.Service = (*Server)(nil)

// New returns a Server using pool.
func New(pool *pgxpool.Pool, log *slog.Logger) *Server {
	return &Server{log: log, transfers: ledger.Table[Request, Transfer]{
		Pool: pool, Log: log,
		Name: "transfers", Text: "reference", Time: "booked_at",
		Scan:   scan,
		ID:     func(t Transfer) int64 { return t.ID },
		Values: func(req Request) (int64, string, string) { return *req.Amount, req.Currency, req.Reference },
		Same:   Transfer.Matches,
	}}
}

// Handler routes POST /v1/transfers, GET /v1/transfers/{id} and GET /v1/statements.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /v1/transfers", s.transfers.Creator())
	mux.Handle("GET /v1/transfers/{id}", refapi.GetByID(s.log, "transfer", s.transfers.ByID))
	mux.Handle("GET /v1/statements", s.transfers.List(since, func(lines []Transfer, next int64) any {
		return Statement{Lines: lines, NextSince: next}
	}))
	return mux
}

func scan(row pgx.Row) (Transfer, error) {
	var t Transfer
	err := row.Scan(&t.ID, &t.Amount, &t.Currency, &t.Reference, &t.IdempotencyKey, &t.BookedAt)
	return t, err
}

// Statement is the body of GET /v1/statements: lines in id order.
// NextSince is the id to pass as since= for the next page, 0 when this page
// is the last.
type Statement struct {
	Lines     []Transfer `json:"lines"`
	NextSince int64      `json:"next_since"`
}

// since reads since= as a transfer id (lines with a greater id) or an
// RFC 3339 time (lines booked at or after it).
func since(r *http.Request) (afterID int64, from time.Time, err error) {
	s := r.URL.Query().Get("since")
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
