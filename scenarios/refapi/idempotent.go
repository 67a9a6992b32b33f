package refapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// IdempotencyHeader carries the client's retry key on every create.
const IdempotencyHeader = "Idempotency-Key"

// MaxIdempotencyKey bounds the header's length.
const MaxIdempotencyKey = 255

// IdempotencyKey returns r's Idempotency-Key or an error for the client.
func IdempotencyKey(r *http.Request) (string, error) {
	k := r.Header.Get(IdempotencyHeader)
	switch {
	case k == "":
		return "", errors.New("header Idempotency-Key is required: send a unique key per logical request and reuse it on retries")
	case len(k) > MaxIdempotencyKey:
		return "", fmt.Errorf("header Idempotency-Key is longer than %d bytes", MaxIdempotencyKey)
	}
	return k, nil
}

// CreateOnce runs insert and, when it found the key taken (pgx.ErrNoRows
// from INSERT ... ON CONFLICT (idempotency_key) DO NOTHING RETURNING), load,
// in one transaction, and commits. created reports whether this call's insert
// won. The row is durable when CreateOnce returns nil: callers acknowledge
// only then. Concurrent callers with one key block on the unique index until
// the winner commits, then load its row.
func CreateOnce[T any](ctx context.Context, pool *pgxpool.Pool, insert, load func(context.Context, pgx.Tx) (T, error)) (row T, created bool, err error) {
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		row, err = insert(ctx, tx)
		if err == nil {
			created = true
			return nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("insert: %w", err)
		}
		row, err = load(ctx, tx)
		if err != nil {
			return fmt.Errorf("load existing: %w", err)
		}
		return nil
	})
	return row, created, err
}

// Validator is a request body that can check itself.
type Validator interface {
	// Validate returns every problem, worded for the client (sent as 400).
	Validate() error
}

// Creator is the idempotent create endpoint shared by pgapi and bankapi.
type Creator[Req Validator, T any] struct {
	// Pool is where rows are written; the Creator does not own it.
	Pool *pgxpool.Pool
	Log  *slog.Logger
	// Insert runs INSERT ... ON CONFLICT (idempotency_key) DO NOTHING
	// RETURNING and so returns pgx.ErrNoRows when key is taken.
	Insert func(ctx context.Context, tx pgx.Tx, key string, req Req) (T, error)
	// Load reads the row holding key.
	Load func(ctx context.Context, tx pgx.Tx, key string) (T, error)
	// Same reports whether an existing row was created from a body equal to req.
	Same func(row T, req Req) bool
}

// ServeHTTP requires an Idempotency-Key, decodes and validates the body,
// and answers as RespondCreated describes once CreateOnce has committed.
func (c Creator[Req, T]) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key, err := IdempotencyKey(r)
	if err != nil {
		WriteError(w, http.StatusBadRequest, err.Error())
		return
	}
	var req Req
	if err := DecodeJSON(w, r, &req); err != nil {
		WriteError(w, http.StatusBadRequest, err.Error())
		return
	}
	if err := req.Validate(); err != nil {
		WriteError(w, http.StatusBadRequest, err.Error())
		return
	}
	row, created, err := CreateOnce(r.Context(), c.Pool,
		func(ctx context.Context, tx pgx.Tx) (T, error) { return c.Insert(ctx, tx, key, req) },
		func(ctx context.Context, tx pgx.Tx) (T, error) { return c.Load(ctx, tx, key) })
	RespondCreated(w, c.Log, row, created, err, err == nil && c.Same(row, req))
}

// RespondCreated writes the outcome of an idempotent create: 201 with v when
// this request created it, 200 with v when an earlier request with the same
// key did and sameBody holds, 409 when that earlier request had a different
// body, and a store error when err is set (nothing was acknowledged).
func RespondCreated(w http.ResponseWriter, log *slog.Logger, v any, created bool, err error, sameBody bool) {
	switch {
	case err != nil:
		WriteStoreError(w, log, err)
	case created:
		WriteJSON(w, http.StatusCreated, v)
	case !sameBody:
		WriteError(w, http.StatusConflict, "Idempotency-Key was already used with a different body: use a new key for a new request")
	default:
		WriteJSON(w, http.StatusOK, v)
	}
}

// WriteStoreError logs err and answers 503: the database failed, so the
// client should retry (with the same Idempotency-Key for creates).
func WriteStoreError(w http.ResponseWriter, log *slog.Logger, err error) {
	log.Error("store", "error", err)
	WriteError(w, http.StatusServiceUnavailable, "database unavailable, retry with the same Idempotency-Key: "+err.Error())
}
