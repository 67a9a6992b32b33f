package solanasim

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"time"
)

// Paths served by Handler besides the JSON-RPC endpoint at "/".
const (
	// HealthPath answers GET with 200 and body ok, behind or unknown, like
	// a validator's RPC port.
	HealthPath = "/health"
	// AdminPath answers GET with the Condition in effect and takes POST of
	// a new one as JSON.
	AdminPath = "/admin/mode"
)

// maxRequestBody is agave's MAX_REQUEST_BODY_SIZE.
const maxRequestBody = 50 << 10

// Handler serves JSON-RPC on POST /, GET /health and the admin endpoint.
// Requests are answered on the caller's goroutine; the handler starts none.
func (s *Sim) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /{$}", s.serveRPC)
	mux.HandleFunc("GET "+HealthPath, s.serveHealth)
	mux.HandleFunc("GET "+AdminPath, s.serveGetCondition)
	mux.HandleFunc("POST "+AdminPath, s.servePostCondition)
	return mux
}

// slowDown holds an answer for the ModeSlow delay; false means the caller
// gave up first and nothing should be written.
func (s *Sim) slowDown(ctx context.Context) bool {
	c := s.Condition()
	if c.Mode != ModeSlow || c.Delay <= 0 {
		return true
	}
	t := time.NewTimer(c.Delay)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func (s *Sim) serveHealth(w http.ResponseWriter, r *http.Request) {
	if !s.slowDown(r.Context()) {
		return
	}
	body := "ok"
	switch s.Condition().Mode {
	case ModeBehind:
		body = "behind"
	case ModeUnknown:
		body = "unknown"
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, body)
}

func (s *Sim) serveRPC(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBody))
	if err != nil {
		http.Error(w, "request body too large or unreadable: send at most 50 KiB", http.StatusRequestEntityTooLarge)
		return
	}
	if !s.slowDown(r.Context()) {
		return
	}
	out := s.dispatchBody(body)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// dispatchBody answers a single request or a batch.
func (s *Sim) dispatchBody(body []byte) any {
	body = bytes.TrimSpace(body)
	if !json.Valid(body) {
		return errorResponse(nil, errParse())
	}
	if len(body) == 0 || body[0] != '[' {
		return s.dispatch(body)
	}
	var batch []json.RawMessage
	if err := json.Unmarshal(body, &batch); err != nil || len(batch) == 0 {
		return errorResponse(nil, errInvalidRequest())
	}
	out := make([]response, len(batch))
	for i, raw := range batch {
		out[i] = s.dispatch(raw)
	}
	return out
}

// dispatch answers one request object.
func (s *Sim) dispatch(raw json.RawMessage) response {
	var req request
	if err := json.Unmarshal(raw, &req); err != nil {
		return errorResponse(nil, errInvalidRequest())
	}
	if req.JSONRPC != "2.0" || req.Method == nil {
		return errorResponse(req.ID, errInvalidRequest())
	}
	m, ok := s.methods[*req.Method]
	if !ok {
		s.log.Debug("solanasim rpc", "method", *req.Method, "code", CodeMethodNotFound)
		return errorResponse(req.ID, errMethodNotFound())
	}
	result, e := m(req.Params)
	if e != nil {
		s.log.Debug("solanasim rpc", "method", *req.Method, "code", e.Code, "message", e.Message)
		return errorResponse(req.ID, e)
	}
	s.log.Debug("solanasim rpc", "method", *req.Method)
	return resultResponse(req.ID, result)
}
