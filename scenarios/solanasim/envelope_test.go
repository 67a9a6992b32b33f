package solanasim

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// wireResponse mirrors what solana-go accepts: anything else in the
// envelope fails its DisallowUnknownFields decoder.
type wireResponse struct {
	JSONRPC string          `json:"jsonrpc"`
	Result  json.RawMessage `json:"result"`
	Error   *struct {
		Code    int             `json:"code"`
		Message string          `json:"message"`
		Data    json.RawMessage `json:"data"`
	} `json:"error"`
	ID json.RawMessage `json:"id"`
}

func decodeStrict(t *testing.T, raw string, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("strict decode of %s: %v", raw, err)
	}
}

func TestEnvelope(t *testing.T) {
	h := start(t, Options{})
	tests := []struct {
		name     string
		body     string
		wantCode int // 0: success
		wantID   string
	}{
		{"string id echoed verbatim", `{"jsonrpc":"2.0","id":"6f1c-ÄÖ-\u00e9","method":"getHealth"}`, 0, `"6f1c-ÄÖ-\u00e9"`},
		{"numeric id echoed verbatim", `{"jsonrpc":"2.0","id":1.50,"method":"getSlot","params":[]}`, 0, `1.50`},
		{"parse error", `{"jsonrpc":"2.0","id":1,"method":`, CodeParseError, `null`},
		{"empty body", ``, CodeParseError, `null`},
		{"wrong version", `{"jsonrpc":"1.0","id":"a","method":"getSlot"}`, CodeInvalidRequest, `"a"`},
		{"no method", `{"jsonrpc":"2.0","id":"b"}`, CodeInvalidRequest, `"b"`},
		{"not an object", `"getSlot"`, CodeInvalidRequest, `null`},
		{"empty batch", `[]`, CodeInvalidRequest, `null`},
		{"unknown method", `{"jsonrpc":"2.0","id":7,"method":"getFoo"}`, CodeMethodNotFound, `7`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, raw := doHTTP(t, http.MethodPost, h.url+"/", tc.body)
			if status != http.StatusOK {
				t.Fatalf("POST %q status = %d, want 200", tc.body, status)
			}
			var got wireResponse
			decodeStrict(t, raw, &got)
			if got.JSONRPC != "2.0" || string(got.ID) != tc.wantID {
				t.Errorf("envelope = %s, want jsonrpc 2.0 and id %s", raw, tc.wantID)
			}
			switch {
			case tc.wantCode == 0 && (got.Error != nil || got.Result == nil):
				t.Errorf("POST %q = %s, want a result", tc.body, raw)
			case tc.wantCode != 0 && (got.Error == nil || got.Error.Code != tc.wantCode || got.Result != nil):
				t.Errorf("POST %q = %s, want only error %d", tc.body, raw, tc.wantCode)
			}
		})
	}
}

func TestBatch(t *testing.T) {
	h := start(t, Options{})
	_, raw := doHTTP(t, http.MethodPost, h.url+"/", `[{"jsonrpc":"2.0","id":"x","method":"getHealth"},{"jsonrpc":"2.0","id":"y","method":"nope"},5]`)
	var got []wireResponse
	decodeStrict(t, raw, &got)
	if len(got) != 3 {
		t.Fatalf("batch = %s, want 3 responses", raw)
	}
	if string(got[0].ID) != `"x"` || string(got[0].Result) != `"ok"` {
		t.Errorf("batch[0] = %+v, want id x result ok", got[0])
	}
	if string(got[1].ID) != `"y"` || got[1].Error == nil || got[1].Error.Code != CodeMethodNotFound {
		t.Errorf("batch[1] = %+v, want id y error %d", got[1], CodeMethodNotFound)
	}
	if got[2].Error == nil || got[2].Error.Code != CodeInvalidRequest {
		t.Errorf("batch[2] = %+v, want error %d", got[2], CodeInvalidRequest)
	}
}

func TestWrongHTTPMethod(t *testing.T) {
	h := start(t, Options{})
	if status, _ := doHTTP(t, http.MethodGet, h.url+"/", ""); status != http.StatusMethodNotAllowed {
		t.Errorf("GET / = %d, want 405", status)
	}
}
