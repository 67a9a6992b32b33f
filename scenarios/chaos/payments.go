package chaos

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/vigilhq/vigil/slo"
)

// PaymentWriter creates payments through pgapi's POST /v1/payments, one per
// key, as an slo.WriteFunc. Outcomes follow what the client can know:
// 201/200 acknowledged; refused connection or 4xx definitely failed;
// anything else (5xx, reset, timeout) unknown, because the COMMIT may have
// happened.
type PaymentWriter struct {
	URL    string // pgapi base URL
	Client *http.Client
}

// Write implements slo.WriteFunc.
//
// net/http retries a request carrying an Idempotency-Key on a new
// connection when a reused one fails, so a final "connection refused" may
// follow an attempt that reached the server and committed (found by the
// crash-loop scenario as a phantom write). A refusal is therefore definite
// only when no attempt ever wrote its headers.
func (w PaymentWriter) Write(ctx context.Context, key string) (string, error, bool) {
	body, _ := json.Marshal(map[string]any{"amount": 100, "currency": "USD", "merchant": "chaos"})
	var sent atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteHeaders: func() { sent.Store(true) }})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL+"/v1/payments", bytes.NewReader(body))
	if err != nil {
		return "", err, true
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	resp, err := w.Client.Do(req)
	if err != nil {
		return "", err, refused(err) && !sent.Load()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode == http.StatusCreated || resp.StatusCode == http.StatusOK:
		var p struct {
			ID int64 `json:"id"`
		}
		if err := json.Unmarshal(b, &p); err != nil || p.ID == 0 {
			// The server said committed; the body is only informative.
			return "?", nil, false
		}
		return strconv.FormatInt(p.ID, 10), nil, false
	case resp.StatusCode >= 400 && resp.StatusCode < 500:
		return "", fmt.Errorf("pgapi answered %s: %s", resp.Status, bytes.TrimSpace(b)), true
	default:
		return "", fmt.Errorf("pgapi answered %s: %s", resp.Status, bytes.TrimSpace(b)), false
	}
}

// refused reports whether err means the request never reached a server
// (connection refused while dialling): the write certainly did not happen.
func refused(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

var _ slo.WriteFunc = PaymentWriter{}.Write

// ReadBack returns how many payments rows hold each idempotency key that
// starts with prefix: the "present" side of the set check.
func ReadBack(ctx context.Context, dsn, prefix string) (map[string]int, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("read back payments: connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	rows, err := conn.Query(ctx, `SELECT idempotency_key, count(*) FROM payments
		WHERE starts_with(idempotency_key, $1) GROUP BY 1`, prefix)
	if err != nil {
		return nil, fmt.Errorf("read back payments: %w", err)
	}
	out := map[string]int{}
	for rows.Next() {
		var (
			k string
			n int
		)
		if err := rows.Scan(&k, &n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read back payments: %w", err)
		}
		out[k] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read back payments: %w", err)
	}
	return out, nil
}

// DeleteKey deletes the payment holding key (the set check's canary).
func DeleteKey(ctx context.Context, dsn, key string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	tag, err := conn.Exec(ctx, `DELETE FROM payments WHERE idempotency_key = $1`, key)
	if err != nil {
		return err
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("deleted %d rows of key %s, want 1", tag.RowsAffected(), key)
	}
	return nil
}
