// Package bank is bankapi, the reference stack's bank: clients book
// transfers idempotently (Idempotency-Key) and read them back as statement
// lines. A 201 is written only after the transaction committed.
package bank

import (
	"embed"
	"errors"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/vigilhq/vigil/scenarios/refapi"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Default listen address and the variable that overrides it.
const (
	ListenEnv     = "BANKAPI_LISTEN"
	DefaultListen = "127.0.0.1:5102"
)

// Transfer is one booked transfer; as a statement line it is the same shape.
type Transfer struct {
	ID             int64     `json:"id"`
	Amount         int64     `json:"amount"`
	Currency       string    `json:"currency"`
	Reference      string    `json:"reference"`
	IdempotencyKey string    `json:"idempotency_key"`
	BookedAt       time.Time `json:"booked_at"`
}

// Request is the body of POST /v1/transfers. Reference links the transfer to
// what it settles, e.g. a payment id.
type Request struct {
	Amount    *int64 `json:"amount"`
	Currency  string `json:"currency"`
	Reference string `json:"reference"`
}

// MaxReference bounds the reference.
const MaxReference = 200

// Validate reports every problem with req, worded for the client.
func (req Request) Validate() error {
	return errors.Join(refapi.CheckMoney(req.Amount, req.Currency), refapi.CheckText("reference", req.Reference, MaxReference))
}

// Matches reports whether t was booked from a request equal to req.
func (t Transfer) Matches(req Request) bool {
	return t.Amount == *req.Amount && t.Currency == req.Currency && t.Reference == req.Reference
}

// App describes the bankapi binary for refapi.Run.
func App() refapi.App {
	return refapi.App{
		Name:       "bankapi",
		Migrations: refapi.MigrationsDir(migrationFiles),
		Build: func(pool *pgxpool.Pool, log *slog.Logger) (refapi.Service, error) {
			return New(pool, log), nil
		},
	}
}
