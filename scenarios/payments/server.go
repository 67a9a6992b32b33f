package payments

import (
	"net/http"
	"time"

	"github.com/vigilhq/vigil/scenarios/ledger"
	"github.com/vigilhq/vigil/scenarios/refapi"
)

// App describes the pgapi binary for refapi.Run: POST /v1/payments,
// GET /v1/payments/{id} and GET /v1/payments on the payments table.
func App() refapi.App {
	return ledger.Service[Request, Payment]{
		Name: "pgapi", Migrations: migrationFiles,
		Table: "payments", Text: "merchant", Time: "created_at",
		Path: "/v1/payments", Item: "payment",
		List: "/v1/payments", Cursor: after,
		Page: func(ps []Payment, next int64) any { return Page{Payments: ps, NextAfter: next} },
	}.App()
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
