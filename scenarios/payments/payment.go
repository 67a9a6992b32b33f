// Package payments is pgapi, the reference stack's payment gateway: clients
// create payments idempotently (Idempotency-Key) and read them back with
// keyset pagination. A 201 is written only after the transaction committed.
package payments

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
	ListenEnv     = "PGAPI_LISTEN"
	DefaultListen = "127.0.0.1:5101"
)

// Payment is one persisted payment.
type Payment struct {
	ID             int64     `json:"id"`
	Amount         int64     `json:"amount"`
	Currency       string    `json:"currency"`
	Merchant       string    `json:"merchant"`
	IdempotencyKey string    `json:"idempotency_key"`
	CreatedAt      time.Time `json:"created_at"`
}

// Request is the body of POST /v1/payments.
type Request struct {
	Amount   *int64 `json:"amount"`
	Currency string `json:"currency"`
	Merchant string `json:"merchant"`
}

// MaxMerchant bounds the merchant name.
const MaxMerchant = 200

// Validate reports every problem with req, worded for the client.
func (req Request) Validate() error {
	return errors.Join(refapi.CheckMoney(req.Amount, req.Currency), refapi.CheckText("merchant", req.Merchant, MaxMerchant))
}

// Matches reports whether p was created from a request equal to req, so a
// retry with the same key may return it.
func (p Payment) Matches(req Request) bool {
	return p.Amount == *req.Amount && p.Currency == req.Currency && p.Merchant == req.Merchant
}

// App describes the pgapi binary for refapi.Run.
func App() refapi.App {
	return refapi.App{
		Name:       "pgapi",
		Migrations: refapi.MigrationsDir(migrationFiles),
		Build: func(pool *pgxpool.Pool, log *slog.Logger) (refapi.Service, error) {
			return New(pool, log), nil
		},
	}
}
