package refapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strconv"

	"github.com/jackc/pgx/v5"
)

// MaxBodyBytes bounds every JSON request body.
const MaxBodyBytes = 64 << 10

// ErrorBody is the JSON shape of every error response.
type ErrorBody struct {
	Error string `json:"error"`
}

// WriteJSON writes v as the response body with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// WriteError writes {"error": msg} with status.
func WriteError(w http.ResponseWriter, status int, msg string) {
	WriteJSON(w, status, ErrorBody{Error: msg})
}

// DecodeJSON decodes exactly one JSON object from r's body into v, rejecting
// unknown fields, trailing data and bodies over MaxBodyBytes. Its errors are
// meant for the client (respond 400 with err.Error()).
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		var maxErr *http.MaxBytesError
		switch {
		case errors.As(err, &typeErr):
			return fmt.Errorf("field %q must be %s, got %s", typeErr.Field, kindName(typeErr.Type), typeErr.Value)
		case errors.As(err, &maxErr):
			return fmt.Errorf("body is larger than %d bytes", MaxBodyBytes)
		case errors.Is(err, io.EOF):
			return errors.New("body is empty: send a JSON object")
		}
		return fmt.Errorf("body is not valid JSON: %v", err)
	}
	if dec.More() {
		return errors.New("body has data after the JSON object")
	}
	return nil
}

// QueryInt parses the optional integer query parameter name, returning def
// when absent and an error for the client when outside [lo, hi].
func QueryInt(r *http.Request, name string, def, lo, hi int64) (int64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("query parameter %s=%q must be an integer in [%d, %d]", name, s, lo, hi)
	}
	return n, nil
}

// PathID parses the {id} path segment as a positive integer.
func PathID(r *http.Request) (int64, error) {
	s := r.PathValue("id")
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("id %q must be a positive integer", s)
	}
	return n, nil
}

func kindName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.String:
		return "a string"
	}
	return "a JSON " + t.String()
}

// GetByID serves GET .../{id}: load returns pgx.ErrNoRows for a missing
// row, answered 404 "no <what> with that id".
func GetByID[T any](log *slog.Logger, what string, load func(ctx context.Context, id int64) (T, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := PathID(r)
		if err != nil {
			WriteError(w, http.StatusBadRequest, err.Error())
			return
		}
		v, err := load(r.Context(), id)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			WriteError(w, http.StatusNotFound, "no "+what+" with that id")
		case err != nil:
			WriteStoreError(w, log, err)
		default:
			WriteJSON(w, http.StatusOK, v)
		}
	}
}
