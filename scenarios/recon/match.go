package recon

import (
	"fmt"
	"strconv"

	"github.com/vigilhq/vigil/scenarios/bank"
	"github.com/vigilhq/vigil/scenarios/payments"
)

// Result statuses.
const (
	Matched   = "matched"
	Unmatched = "unmatched"
)

// Result is the reconciliation outcome for one payment.
type Result struct {
	PaymentID  int64  `json:"payment_id"`
	Status     string `json:"status"`
	Reason     string `json:"reason,omitempty"`
	Amount     int64  `json:"payment_amount"`
	Currency   string `json:"currency"`
	TransferID *int64 `json:"transfer_id,omitempty"`
}

// Match pairs every payment with a statement line whose reference is the
// payment's id and whose amount and currency are equal. Payments without such
// a line are Unmatched with a reason naming the closest mismatch.
func Match(ps []payments.Payment, lines []bank.Transfer) []Result {
	byRef := make(map[string][]bank.Transfer, len(lines))
	for _, l := range lines {
		byRef[l.Reference] = append(byRef[l.Reference], l)
	}
	out := make([]Result, 0, len(ps))
	for _, p := range ps {
		r := Result{PaymentID: p.ID, Status: Unmatched, Amount: p.Amount, Currency: p.Currency,
			Reason: "no statement line references this payment"}
		for _, l := range byRef[strconv.FormatInt(p.ID, 10)] {
			if l.Amount == p.Amount && l.Currency == p.Currency {
				id := l.ID
				r.Status, r.Reason, r.TransferID = Matched, "", &id
				break
			}
			r.Reason = fmt.Sprintf("transfer %d is %d %s, payment is %d %s", l.ID, l.Amount, l.Currency, p.Amount, p.Currency)
		}
		out = append(out, r)
	}
	return out
}

// Count returns how many results are matched and unmatched.
func Count(rs []Result) (matched, unmatched int) {
	for _, r := range rs {
		if r.Status == Matched {
			matched++
		} else {
			unmatched++
		}
	}
	return matched, unmatched
}
