package payments_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/vigilhq/vigil/faults/pgtest"
	"github.com/vigilhq/vigil/scenarios/payments"
	"github.com/vigilhq/vigil/scenarios/refapi/refapitest"
	"github.com/vigilhq/vigil/watchdog/proc/proctest"
)

func TestMain(m *testing.M) { proctest.VerifyTestMain(m) }

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
	ts, pool := refapitest.Start(t, payments.App())
	refapitest.CreateConcurrently(t, ts.Client(), ts.URL+"/v1/payments", "key-concurrent",
		body{"amount": 1250, "currency": "EUR", "merchant": "acme"}, 50)
	var rows int
	if err := pool.QueryRow(t.Context(), `SELECT count(*) FROM payments WHERE idempotency_key = 'key-concurrent'`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 1 {
		t.Errorf("rows for key = %d, want 1", rows)
	}
}

func TestCreateResponses(t *testing.T) {
	ts, _ := refapitest.Start(t, payments.App())
	url := ts.URL + "/v1/payments"
	first := body{"amount": 500, "currency": "USD", "merchant": "shop"}
	if code, b := refapitest.Post(t, ts.Client(), url, "k1", first); code != http.StatusCreated {
		t.Fatalf("first POST = %d %s, want 201", code, b)
	}
	refapitest.CheckCreates(t, ts.Client(), url, []refapitest.CreateCase{
		{Name: "same key same body", Key: "k1", Body: first, WantCode: http.StatusOK, WantMsg: ""},
		{Name: "same key different amount", Key: "k1", Body: body{"amount": 501, "currency": "USD", "merchant": "shop"}, WantCode: http.StatusConflict, WantMsg: "different body"},
		{Name: "same key different merchant", Key: "k1", Body: body{"amount": 500, "currency": "USD", "merchant": "other"}, WantCode: http.StatusConflict, WantMsg: "different body"},
		{Name: "missing key", Key: "", Body: first, WantCode: http.StatusBadRequest, WantMsg: "Idempotency-Key is required"},
		{Name: "zero amount", Key: "k2", Body: body{"amount": 0, "currency": "USD", "merchant": "shop"}, WantCode: http.StatusBadRequest, WantMsg: "amount must be > 0"},
		{Name: "negative amount", Key: "k2", Body: body{"amount": -5, "currency": "USD", "merchant": "shop"}, WantCode: http.StatusBadRequest, WantMsg: "amount must be > 0"},
		{Name: "fractional amount", Key: "k2", Body: []byte(`{"amount": 1.5, "currency": "USD", "merchant": "shop"}`), WantCode: http.StatusBadRequest, WantMsg: "must be an integer, got number 1.5"},
		{Name: "missing amount", Key: "k2", Body: body{"currency": "USD", "merchant": "shop"}, WantCode: http.StatusBadRequest, WantMsg: "amount is required"},
		{Name: "lower-case currency", Key: "k2", Body: body{"amount": 5, "currency": "usd", "merchant": "shop"}, WantCode: http.StatusBadRequest, WantMsg: "currency must be a 3-letter"},
		{Name: "long currency", Key: "k2", Body: body{"amount": 5, "currency": "EURO", "merchant": "shop"}, WantCode: http.StatusBadRequest, WantMsg: "currency must be a 3-letter"},
		{Name: "missing merchant", Key: "k2", Body: body{"amount": 5, "currency": "USD"}, WantCode: http.StatusBadRequest, WantMsg: "merchant is required"},
		{Name: "unknown field", Key: "k2", Body: body{"amount": 5, "currency": "USD", "merchant": "m", "x": 1}, WantCode: http.StatusBadRequest, WantMsg: "unknown field"},
		{Name: "not json", Key: "k2", Body: []byte(`amount=5`), WantCode: http.StatusBadRequest, WantMsg: "not valid JSON"},
		{Name: "empty body", Key: "k2", Body: []byte(``), WantCode: http.StatusBadRequest, WantMsg: "body is empty"},
		{Name: "new key", Key: "k3", Body: body{"amount": 5, "currency": "GBP", "merchant": "m"}, WantCode: http.StatusCreated, WantMsg: ""},
	})
}

func TestGetAndPaginate(t *testing.T) {
	ts, _ := refapitest.Start(t, payments.App())
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
