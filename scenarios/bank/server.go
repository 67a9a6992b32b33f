package bank

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/vigilhq/vigil/scenarios/ledger"
	"github.com/vigilhq/vigil/scenarios/refapi"
)

// App describes the bankapi binary for refapi.Run: POST /v1/transfers,
// GET /v1/transfers/{id} and GET /v1/statements on the transfers table.
func App() refapi.App {
	return ledger.Service[Request, Transfer]{
		Name: "bankapi", Migrations: migrationFiles,
		Table: "transfers", Text: "reference", Time: "booked_at",
		Path: "/v1/transfers", Item: "transfer",
		List: "/v1/statements", Cursor: since,
		Page: func(lines []Transfer, next int64) any { return Statement{Lines: lines, NextSince: next} },
	}.App()
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
