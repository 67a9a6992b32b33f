package payments_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/vigilhq/vigil/faults/pgtest"
	"github.com/vigilhq/vigil/scenarios/payments"
	"github.com/vigilhq/vigil/scenarios/refapi/refapitest"
	"github.com/vigilhq/vigil/watchdog/proc/proctest"
)

func TestMain(m *testing.M) { proctest.VerifyTestMain(m) }

func start(t *testing.T) (*httptest.Server, *pgxpool.Pool) {
	t.Helper()
	pg := pgtest.Require(t)
	pool := refapitest.Pool(t, pg.DSN, payments.App())
	ts, _ := refapitest.Serve(t, pool, payments.App())
	return ts, pool
}

type body map[string]any

func decode(t *testing.T, b []byte) payments.Payment {
	t.Helper()
	var p payments.Payment
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return p
}

// TestConcurrentRetriesOneKey pins the core idempotency guarantee: 50
// concurrent POSTs with one key create exactly one row; one gets 201, the
// rest 200, all with the same id.
func TestConcurrentRetriesOneKey(t *testing.T) {
	ts, pool := start(t)
	const n = 50
	type result struct {
		code int
		body []byte
		err  error
	}
	results := make(chan result, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			code, b, err := refapitest.Do(ts.Client(), ts.URL+"/v1/payments", "key-concurrent",
				body{"amount": 1250, "currency": "EUR", "merchant": "acme"})
			results <- result{code, b, err}
		})
	}
	wg.Wait()
	close(results)
	ids := map[int64]int{}
	codes := map[int]int{}
	for r := range results {
		if r.err != nil {
			t.Fatal(r.err)
		}
		codes[r.code]++
		if r.code == http.StatusCreated || r.code == http.StatusOK {
			ids[decode(t, r.body).ID]++
		} else {
			t.Errorf("POST = %d %s, want 201 or 200", r.code, r.body)
		}
	}
	if codes[http.StatusCreated] != 1 || codes[http.StatusOK] != n-1 {
		t.Errorf("status counts = %v, want one 201 and %d 200", codes, n-1)
	}
	if len(ids) != 1 {
		t.Errorf("distinct ids = %v, want exactly one", ids)
	}
	var rows int
	if err := pool.QueryRow(t.Context(), `SELECT count(*) FROM payments WHERE idempotency_key = 'key-concurrent'`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 1 {
		t.Errorf("rows for key = %d, want 1", rows)
	}
}

func TestCreateResponses(t *testing.T) {
	ts, _ := start(t)
	url := ts.URL + "/v1/payments"
	first := body{"amount": 500, "currency": "USD", "merchant": "shop"}
	if code, b := refapitest.Post(t, ts.Client(), url, "k1", first); code != http.StatusCreated {
		t.Fatalf("first POST = %d %s, want 201", code, b)
	}
	tests := []struct {
		name     string
		key      string
		body     any
		wantCode int
		wantMsg  string
	}{
		{"same key same body", "k1", first, http.StatusOK, ""},
		{"same key different amount", "k1", body{"amount": 501, "currency": "USD", "merchant": "shop"}, http.StatusConflict, "different body"},
		{"same key different merchant", "k1", body{"amount": 500, "currency": "USD", "merchant": "other"}, http.StatusConflict, "different body"},
		{"missing key", "", first, http.StatusBadRequest, "Idempotency-Key is required"},
		{"zero amount", "k2", body{"amount": 0, "currency": "USD", "merchant": "shop"}, http.StatusBadRequest, "amount must be > 0"},
		{"negative amount", "k2", body{"amount": -5, "currency": "USD", "merchant": "shop"}, http.StatusBadRequest, "amount must be > 0"},
		{"fractional amount", "k2", []byte(`{"amount": 1.5, "currency": "USD", "merchant": "shop"}`), http.StatusBadRequest, "must be an integer, got number 1.5"},
		{"missing amount", "k2", body{"currency": "USD", "merchant": "shop"}, http.StatusBadRequest, "amount is required"},
		{"lower-case currency", "k2", body{"amount": 5, "currency": "usd", "merchant": "shop"}, http.StatusBadRequest, "currency must be a 3-letter"},
		{"long currency", "k2", body{"amount": 5, "currency": "EURO", "merchant": "shop"}, http.StatusBadRequest, "currency must be a 3-letter"},
		{"missing merchant", "k2", body{"amount": 5, "currency": "USD"}, http.StatusBadRequest, "merchant is required"},
		{"unknown field", "k2", body{"amount": 5, "currency": "USD", "merchant": "m", "x": 1}, http.StatusBadRequest, "unknown field"},
		{"not json", "k2", []byte(`amount=5`), http.StatusBadRequest, "not valid JSON"},
		{"empty body", "k2", []byte(``), http.StatusBadRequest, "body is empty"},
		{"new key", "k3", body{"amount": 5, "currency": "GBP", "merchant": "m"}, http.StatusCreated, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, b := refapitest.Post(t, ts.Client(), url, tc.key, tc.body)
			if code != tc.wantCode || !strings.Contains(string(b), tc.wantMsg) {
				t.Errorf("POST %s = %d %s, want %d containing %q", tc.name, code, b, tc.wantCode, tc.wantMsg)
			}
		})
	}
}

func TestGetAndPaginate(t *testing.T) {
	ts, _ := start(t)
	const n = 25
	want := make([]int64, 0, n)
	for i := range n {
		code, b := refapitest.Post(t, ts.Client(), ts.URL+"/v1/payments", fmt.Sprintf("page-%d", i),
			body{"amount": 100 + i, "currency": "EUR", "merchant": "m"})
		if code != http.StatusCreated {
			t.Fatalf("POST = %d %s", code, b)
		}
		want = append(want, decode(t, b).ID)
	}
	var one payments.Payment
	refapitest.GetJSON(t, fmt.Sprintf("%s/v1/payments/%d", ts.URL, want[3]), http.StatusOK, &one)
	if one.ID != want[3] || one.Amount != 103 || one.IdempotencyKey != "page-3" {
		t.Errorf("GET payment %d = %+v, want amount 103 key page-3", want[3], one)
	}
	refapitest.GetJSON(t, ts.URL+"/v1/payments/999999", http.StatusNotFound, nil)
	refapitest.GetJSON(t, ts.URL+"/v1/payments/abc", http.StatusBadRequest, nil)
	refapitest.GetJSON(t, ts.URL+"/v1/payments?limit=1001", http.StatusBadRequest, nil)
	refapitest.GetJSON(t, ts.URL+"/v1/payments?limit=0", http.StatusBadRequest, nil)
	refapitest.GetJSON(t, ts.URL+"/v1/payments?after=-1", http.StatusBadRequest, nil)

	var got []int64
	after, pages := int64(0), 0
	for pages = 1; pages <= n; pages++ {
		var page payments.Page
		refapitest.GetJSON(t, fmt.Sprintf("%s/v1/payments?after=%d&limit=7", ts.URL, after), http.StatusOK, &page)
		for _, p := range page.Payments {
			got = append(got, p.ID)
		}
		if page.NextAfter == 0 {
			break
		}
		after = page.NextAfter
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("paged ids = %v, want %v", got, want)
	}
	if pages != 4 {
		t.Errorf("pages = %d, want 4 (7+7+7+4)", pages)
	}
}

func TestHealth(t *testing.T) {
	pg := pgtest.Require(t)
	pool := refapitest.Pool(t, pg.DSN, payments.App())
	ts, _ := refapitest.Serve(t, pool, payments.App())
	refapitest.GetJSON(t, ts.URL+"/health", http.StatusOK, nil)
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	refapitest.GetJSON(t, ts.URL+"/health", http.StatusServiceUnavailable, nil)
	code, b := refapitest.Post(t, ts.Client(), ts.URL+"/v1/payments", "down", body{"amount": 1, "currency": "EUR", "merchant": "m"})
	if code != http.StatusServiceUnavailable {
		t.Errorf("POST with Postgres down = %d %s, want 503", code, b)
	}
}
