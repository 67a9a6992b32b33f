// Package bank is bankapi, the reference stack's bank: clients book
// transfers idempotently (Idempotency-Key) and read them back as statement
// lines. A 201 is written only after the transaction committed.
package bank

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
	ListenEnv     = "BANKAPI_LISTEN"
	DefaultListen = "127.0.0.1:5102"
)

// Transfer is one booked transfer; as a statement line it is the same shape.
// Its fields are the columns of transfers in order (ledger.Row).
type Transfer struct {
	ID             int64     `json:"id"`
	Amount         int64     `json:"amount"`
	Currency       string    `json:"currency"`
	Reference      string    `json:"reference"`
	IdempotencyKey string    `json:"idempotency_key"`
	BookedAt       time.Time `json:"booked_at"`
}

// RowID is t's id.
func (t Transfer) RowID() int64 { return t.ID }

// Entry is what t was booked from.
func (t Transfer) Entry() ledger.Entry {
	return ledger.Entry{Amount: t.Amount, Currency: t.Currency, Text: t.Reference}
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

// Entry is what req books; req must be valid.
func (req Request) Entry() ledger.Entry {
	return ledger.Entry{Amount: *req.Amount, Currency: req.Currency, Text: req.Reference}
}
