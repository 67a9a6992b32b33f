package recon

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/vigilhq/vigil/scenarios/bank"
	"github.com/vigilhq/vigil/scenarios/ledger"
	"github.com/vigilhq/vigil/scenarios/payments"
)

// MaxPages bounds one fetch (MaxPages × 1000 rows).
const MaxPages = 10_000

// FetchPayments reads every payment from pgapi at base, page by page.
func FetchPayments(ctx context.Context, c *http.Client, base string) ([]payments.Payment, error) {
	return fetchAll(ctx, c, func(after int64) string {
		return fmt.Sprintf("%s/v1/payments?after=%d&limit=%d", base, after, ledger.MaxPageLimit)
	}, func(p payments.Page) ([]payments.Payment, int64) { return p.Payments, p.NextAfter })
}

// FetchStatements reads every statement line from bankapi at base, page by page.
func FetchStatements(ctx context.Context, c *http.Client, base string) ([]bank.Transfer, error) {
	return fetchAll(ctx, c, func(since int64) string {
		return fmt.Sprintf("%s/v1/statements?since=%d&limit=%d", base, since, ledger.MaxPageLimit)
	}, func(s bank.Statement) ([]bank.Transfer, int64) { return s.Lines, s.NextSince })
}

// fetchAll follows a keyset cursor: split returns a page's items and the
// next cursor, 0 after the last page.
func fetchAll[P, T any](ctx context.Context, c *http.Client, url func(cursor int64) string, split func(P) ([]T, int64)) ([]T, error) {
	var all []T
	cursor := int64(0)
	for range MaxPages {
		var page P
		if err := getJSON(ctx, c, url(cursor), &page); err != nil {
			return nil, err
		}
		items, next := split(page)
		all = append(all, items...)
		if next == 0 {
			return all, nil
		}
		cursor = next
	}
	return nil, fmt.Errorf("more than %d pages at %s: refusing an unbounded fetch", MaxPages, url(0))
}

func getJSON(ctx context.Context, c *http.Client, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("GET %s: %s: %s", url, resp.Status, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("GET %s: decode: %w", url, err)
	}
	return nil
}
