package bank_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/vigilhq/vigil/faults/pgtest"
	"github.com/vigilhq/vigil/scenarios/bank"
	"github.com/vigilhq/vigil/scenarios/refapi/refapitest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type body map[string]any

func start(t *testing.T) (*httptest.Server, *pgxpool.Pool) {
	t.Helper()
	pg := pgtest.Require(t)
	pool := refapitest.Pool(t, pg.DSN, bank.App())
	ts, _ := refapitest.Serve(t, pool, bank.App())
	return ts, pool
}

func TestTransferIdempotent(t *testing.T) {
	ts, pool := start(t)
	url := ts.URL + "/v1/transfers"
	req := body{"amount": 990, "currency": "EUR", "reference": "42"}
	const n = 20
	codes := make(chan int, n)
	ids := make(chan int64, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			code, b, err := refapitest.Do(ts.Client(), url, "tr-1", req)
			if err != nil {
				t.Error(err)
				return
			}
			var tr bank.Transfer
			_ = json.Unmarshal(b, &tr)
			codes <- code
			ids <- tr.ID
		})
	}
	wg.Wait()
	close(codes)
	close(ids)
	count := map[int]int{}
	for c := range codes {
		count[c]++
	}
	distinct := map[int64]bool{}
	for id := range ids {
		distinct[id] = true
	}
	if count[http.StatusCreated] != 1 || count[http.StatusOK] != n-1 || len(distinct) != 1 {
		t.Errorf("statuses = %v, ids = %v; want one 201, %d 200, one id", count, distinct, n-1)
	}
	var rows int
	if err := pool.QueryRow(t.Context(), `SELECT count(*) FROM transfers`).Scan(&rows); err != nil || rows != 1 {
		t.Errorf("transfer rows = %d, %v; want 1", rows, err)
	}

	tests := []struct {
		name     string
		key      string
		body     body
		wantCode int
		wantMsg  string
	}{
		{"different body same key", "tr-1", body{"amount": 991, "currency": "EUR", "reference": "42"}, http.StatusConflict, "different body"},
		{"missing reference", "tr-2", body{"amount": 5, "currency": "EUR"}, http.StatusBadRequest, "reference is required"},
		{"bad amount and currency", "tr-2", body{"amount": 0, "currency": "E", "reference": "x"}, http.StatusBadRequest, "currency must be"},
		{"no key", "", req, http.StatusBadRequest, "Idempotency-Key is required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, b := refapitest.Post(t, ts.Client(), url, tc.key, tc.body)
			if code != tc.wantCode || !strings.Contains(string(b), tc.wantMsg) {
				t.Errorf("POST = %d %s, want %d containing %q", code, b, tc.wantCode, tc.wantMsg)
			}
		})
	}
}

func TestStatements(t *testing.T) {
	ts, _ := start(t)
	var all []bank.Transfer
	for i := range 5 {
		code, b := refapitest.Post(t, ts.Client(), ts.URL+"/v1/transfers", fmt.Sprintf("st-%d", i),
			body{"amount": 10 * (i + 1), "currency": "EUR", "reference": fmt.Sprint(i)})
		if code != http.StatusCreated {
			t.Fatalf("POST = %d %s", code, b)
		}
		var tr bank.Transfer
		if err := json.Unmarshal(b, &tr); err != nil {
			t.Fatal(err)
		}
		all = append(all, tr)
	}
	tests := []struct {
		name  string
		query string
		want  []int64 // ids
		next  int64
	}{
		{"everything", "", ids(all), 0},
		{"since id", fmt.Sprintf("since=%d", all[1].ID), ids(all[2:]), 0},
		{"since id paged", fmt.Sprintf("since=%d&limit=2", all[0].ID), ids(all[1:3]), all[2].ID},
		{"since time", "since=" + all[3].BookedAt.Format(time.RFC3339Nano), ids(all[3:]), 0},
		{"since future", "since=2999-01-01T00:00:00Z", nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var st bank.Statement
			refapitest.GetJSON(t, ts.URL+"/v1/statements?"+strings.ReplaceAll(tc.query, "+", "%2B"), http.StatusOK, &st)
			if fmt.Sprint(ids(st.Lines)) != fmt.Sprint(tc.want) || st.NextSince != tc.next {
				t.Errorf("statement ids = %v next %d, want %v next %d", ids(st.Lines), st.NextSince, tc.want, tc.next)
			}
		})
	}
	refapitest.GetJSON(t, ts.URL+"/v1/statements?since=yesterday", http.StatusBadRequest, nil)
	var one bank.Transfer
	refapitest.GetJSON(t, fmt.Sprintf("%s/v1/transfers/%d", ts.URL, all[0].ID), http.StatusOK, &one)
	if one.Reference != "0" || one.Amount != 10 {
		t.Errorf("GET transfer = %+v, want reference 0 amount 10", one)
	}
}

func ids(ts []bank.Transfer) []int64 {
	var out []int64
	for _, t := range ts {
		out = append(out, t.ID)
	}
	return out
}
