package bank_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vigilhq/vigil/scenarios/bank"
	"github.com/vigilhq/vigil/scenarios/refapi/refapitest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type body map[string]any

func TestTransferIdempotent(t *testing.T) {
	ts, pool := refapitest.Start(t, bank.App())
	url := ts.URL + "/v1/transfers"
	req := body{"amount": 990, "currency": "EUR", "reference": "42"}
	refapitest.CreateConcurrently(t, ts.Client(), url, "tr-1", req, 20)
	var rows int
	if err := pool.QueryRow(t.Context(), `SELECT count(*) FROM transfers`).Scan(&rows); err != nil || rows != 1 {
		t.Errorf("transfer rows = %d, %v; want 1", rows, err)
	}

	refapitest.CheckCreates(t, ts.Client(), url, []refapitest.CreateCase{
		{Name: "different body same key", Key: "tr-1", Body: body{"amount": 991, "currency": "EUR", "reference": "42"}, WantCode: http.StatusConflict, WantMsg: "different body"},
		{Name: "missing reference", Key: "tr-2", Body: body{"amount": 5, "currency": "EUR"}, WantCode: http.StatusBadRequest, WantMsg: "reference is required"},
		{Name: "bad amount and currency", Key: "tr-2", Body: body{"amount": 0, "currency": "E", "reference": "x"}, WantCode: http.StatusBadRequest, WantMsg: "currency must be"},
		{Name: "no key", Key: "", Body: req, WantCode: http.StatusBadRequest, WantMsg: "Idempotency-Key is required"},
	})
}

func TestStatements(t *testing.T) {
	ts, _ := refapitest.Start(t, bank.App())
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
