package payments

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vigilhq/vigil/scenarios/ledger"
	"github.com/vigilhq/vigil/scenarios/refapi"
)

// Page limits for GET /v1/payments.
const (
	DefaultPageLimit = ledger.DefaultPageLimit
	MaxPageLimit     = ledger.MaxPageLimit
)

// Server serves the payments API on a pool it does not own.
type Server struct {
	log      *slog.Logger
	payments ledger.Table[Request, Payment]
}

var _ refapi.Service = (*Server)(nil)

// New returns a Server using pool.
func New(pool *pgxpool.Pool, log *slog.Logger) *Server {
	return &Server{log: log, payments: ledger.Table[Request, Payment]{
		Pool: pool, Log: log,
		Name: "payments", Text: "merchant", Time: "created_at",
		Scan:   scan,
		ID:     func(p Payment) int64 { return p.ID },
		Values: func(req Request) (int64, string, string) { return *req.Amount, req.Currency, req.Merchant },
		Same:   Payment.Matches,
	}}
}

// Handler routes POST /v1/payments, GET /v1/payments/{id} and GET /v1/payments.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /v1/payments", s.payments.Creator())
	mux.Handle("GET /v1/payments/{id}", refapi.GetByID(s.log, "payment", s.payments.ByID))
	mux.Handle("GET /v1/payments", s.payments.List(after, func(ps []Payment, next int64) any {
		return Page{Payments: ps, NextAfter: next}
	}))
	return mux
}

func scan(row pgx.Row) (Payment, error) {
	var p Payment
	err := row.Scan(&p.ID, &p.Amount, &p.Currency, &p.Merchant, &p.IdempotencyKey, &p.CreatedAt)
	return p, err
}

// Page is the body of GET /v1/payments. NextAfter is the id to pass as
// after= for the next page, 0 when this page is the last.
type Page struct {
	Payments  []Payment `json:"payments"`
	NextAfter int64     `json:"next_after"`
}

// after reads after= (a payment id) as the page's start.
func after(r *http.Request) (int64, time.Time, error) {
	id, err := refapi.QueryInt(r, "after", 0, 0, 1<<62)
	return id, time.Time{}, err
}
