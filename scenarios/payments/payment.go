// Package payments is pgapi, the reference stack's payment gateway: clients
// create payments idempotently (Idempotency-Key) and read them back with
// keyset pagination. A 201 is written only after the transaction committed.
package payments

import (
	"embed"
	"errors"
	"time"

	"github.com/vigilhq/vigil/scenarios/ledger"
	"github.com/vigilhq/vigil/scenarios/refapi"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Default listen address and the variable that overrides it.
const (
	ListenEnv     = "PGAPI_LISTEN"
	DefaultListen = "127.0.0.1:5101"
)

// Payment is one persisted payment. Its fields are the columns of payments
// in order (ledger.Row).
type Payment struct {
	ID             int64     `json:"id"`
	Amount         int64     `json:"amount"`
	Currency       string    `json:"currency"`
	Merchant       string    `json:"merchant"`
	IdempotencyKey string    `json:"idempotency_key"`
	CreatedAt      time.Time `json:"created_at"`
}

// RowID is p's id.
func (p Payment) RowID() int64 { return p.ID }

// Entry is what p was created from, so a retry with the same key may
// return p only when its request has the same Entry.
func (p Payment) Entry() ledger.Entry {
	return ledger.Entry{Amount: p.Amount, Currency: p.Currency, Text: p.Merchant}
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

// Entry is what req creates; req must be valid.
func (req Request) Entry() ledger.Entry {
	return ledger.Entry{Amount: *req.Amount, Currency: req.Currency, Text: req.Merchant}
}
