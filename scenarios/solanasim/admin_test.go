package solanasim

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestAdminEndpoint(t *testing.T) {
	h := start(t, Options{})
	tests := []struct {
		name    string
		body    string
		want    string // GET /admin/mode afterwards; "" means rejected with 400
		wantErr string
	}{
		{"behind", `{"mode":"behind","behind_slots":300}`, `{"mode":"behind","behind_slots":300}`, ""},
		{"slow default delay", `{"mode":"slow"}`, `{"mode":"slow","delay":"2s"}`, ""},
		{"slow with delay drops lag", `{"mode":"slow","behind_slots":5,"delay":"250ms"}`, `{"mode":"slow","delay":"250ms"}`, ""},
		{"healthy", `{"mode":"healthy"}`, `{"mode":"healthy"}`, ""},
		{"pubsub_down", `{"mode":"pubsub_down"}`, `{"mode":"pubsub_down"}`, ""},
		{"pubsub_slow default delay", `{"mode":"pubsub_slow"}`, `{"mode":"pubsub_slow","delay":"2s"}`, ""},
		{"unknown mode name", `{"mode":"sleepy"}`, "", "use one of healthy"},
		{"missing mode", `{"behind_slots":3}`, "", `missing "mode"`},
		{"typo field", `{"mode":"behind","behind_slot":3}`, "", "unknown field"},
		{"bad delay", `{"mode":"slow","delay":"2 sec"}`, "", "Go duration"},
		{"delay too long", `{"mode":"slow","delay":"10m"}`, "", "out of range"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, reply := doHTTP(t, http.MethodPost, h.url+AdminPath, tc.body)
			if tc.want == "" {
				if status != http.StatusBadRequest || !strings.Contains(reply, tc.wantErr) {
					t.Errorf("POST %s = %d %q, want 400 mentioning %q", tc.body, status, reply, tc.wantErr)
				}
				return
			}
			if status != http.StatusOK || strings.TrimSpace(reply) != tc.want {
				t.Errorf("POST %s = %d %s, want 200 %s", tc.body, status, reply, tc.want)
			}
			_, current := doHTTP(t, http.MethodGet, h.url+AdminPath, "")
			if strings.TrimSpace(current) != tc.want {
				t.Errorf("GET %s = %s, want %s", AdminPath, current, tc.want)
			}
		})
	}
}

func TestSetRemoteConditionReportsRefusal(t *testing.T) {
	h := start(t, Options{})
	_, err := SetRemoteCondition(callCtx(t), nil, h.url, Condition{Mode: ModeSlow, Delay: time.Hour})
	if err == nil || !strings.Contains(err.Error(), "400") || !strings.Contains(err.Error(), "out of range") {
		t.Errorf("SetRemoteCondition(delay 1h) error = %v, want the 400 and its reason", err)
	}
	if got := h.sim.Condition(); got.Mode != ModeHealthy {
		t.Errorf("Condition() after refusal = %+v, want healthy unchanged", got)
	}
}

func TestConditionJSONRoundTrip(t *testing.T) {
	for _, c := range []Condition{
		{Mode: ModeHealthy},
		{Mode: ModeBehind, BehindSlots: 7},
		{Mode: ModeUnknown},
		{Mode: ModeStalled},
		{Mode: ModeSlow, Delay: 1500 * time.Millisecond},
		{Mode: ModePubSubDown},
		{Mode: ModePubSubSlow, Delay: 250 * time.Millisecond},
	} {
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatalf("Marshal(%+v) error = %v", c, err)
		}
		var back Condition
		if err := json.Unmarshal(b, &back); err != nil || back != c {
			t.Errorf("Unmarshal(%s) = %+v, %v, want %+v", b, back, err, c)
		}
		if m, err := ParseMode(c.Mode.String()); err != nil || m != c.Mode {
			t.Errorf("ParseMode(%q) = %v, %v, want %v", c.Mode.String(), m, err, c.Mode)
		}
	}
	if got := Mode(99).String(); got != "Mode(99)" {
		t.Errorf("Mode(99).String() = %q, want Mode(99)", got)
	}
}

func TestRunTwiceIsRefused(t *testing.T) {
	h := start(t, Options{})
	waitTicks(t, h.sim, 1) // the harness's Run is certainly running
	ctx, cancel := context.WithTimeout(context.Background(), waitBound)
	defer cancel()
	if err := h.sim.Run(ctx); !errors.Is(err, ErrAlreadyRunning) {
		t.Errorf("second Run() = %v, want ErrAlreadyRunning", err)
	}
}
