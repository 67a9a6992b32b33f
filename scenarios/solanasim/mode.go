package solanasim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// Mode is the health the simulator pretends to have.
type Mode int

// The modes, in the order the admin endpoint documents them.
const (
	// ModeHealthy answers everything normally; the slot advances.
	ModeHealthy Mode = iota
	// ModeBehind makes getHealth fail with -32005 "Node is behind by N
	// slots" and GET /health answer "behind"; the slot still advances.
	ModeBehind
	// ModeUnknown makes getHealth fail with -32005 "Node is unhealthy"
	// (numSlotsBehind null) and GET /health answer "unknown".
	ModeUnknown
	// ModeStalled stops the slot while getHealth keeps saying "ok": the
	// real-world case only a progress check catches.
	ModeStalled
	// ModeSlow delays every RPC and /health answer by Condition.Delay.
	ModeSlow
	// ModePubSubDown drops every websocket connection when it is set and
	// refuses new ones (503) while it lasts; RPC stays healthy and the
	// slot advances. A validator whose PubSub service died looks so.
	ModePubSubDown
	// ModePubSubSlow holds every PubSub notification for Condition.Delay
	// before it is written (subscribe answers are not held); RPC stays
	// fast.
	ModePubSubSlow
)

var modeNames = [...]string{"healthy", "behind", "unknown", "stalled", "slow", "pubsub_down", "pubsub_slow"}

// modeList is the names for error messages.
const modeList = "healthy, behind, unknown, stalled, slow, pubsub_down, pubsub_slow"

// String returns the mode's admin-endpoint name.
func (m Mode) String() string {
	if m < 0 || int(m) >= len(modeNames) {
		return fmt.Sprintf("Mode(%d)", int(m))
	}
	return modeNames[m]
}

// ParseMode converts an admin-endpoint name back to a Mode.
func ParseMode(s string) (Mode, error) {
	for i, name := range modeNames {
		if s == name {
			return Mode(i), nil
		}
	}
	return 0, fmt.Errorf("unknown mode %q: use one of %s", s, modeList)
}

// MarshalText encodes the mode by name.
func (m Mode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText decodes a mode name.
func (m *Mode) UnmarshalText(b []byte) error {
	parsed, err := ParseMode(string(b))
	if err != nil {
		return err
	}
	*m = parsed
	return nil
}

// Condition is the full degraded-health setting: a mode plus its knobs.
// Its JSON form is the admin endpoint's body:
// {"mode":"behind","behind_slots":200,"delay":"2s"}.
type Condition struct {
	// Mode selects the behaviour.
	Mode Mode
	// BehindSlots is the lag reported in ModeBehind.
	// Default: DefaultBehindSlots.
	BehindSlots uint64
	// Delay is the per-answer delay in ModeSlow and the per-notification
	// delay in ModePubSubSlow, at most MaxSlowDelay. Default:
	// DefaultSlowDelay.
	Delay time.Duration
}

// Validate reports a knob that cannot be honoured.
func (c Condition) Validate() error {
	if c.Mode < ModeHealthy || int(c.Mode) >= len(modeNames) {
		return fmt.Errorf("unknown mode %d: use one of %s", int(c.Mode), modeList)
	}
	if c.Delay < 0 || c.Delay > MaxSlowDelay {
		return fmt.Errorf("delay %s out of range: use a duration between 0 and %s", c.Delay, MaxSlowDelay)
	}
	return nil
}

// withDefaults fills the knobs the chosen mode needs and zeroes the others
// so GET /admin/mode shows exactly what is in effect.
func (c Condition) withDefaults() Condition {
	switch c.Mode {
	case ModeBehind:
		if c.BehindSlots == 0 {
			c.BehindSlots = DefaultBehindSlots
		}
		c.Delay = 0
	case ModeSlow, ModePubSubSlow:
		if c.Delay == 0 {
			c.Delay = DefaultSlowDelay
		}
		c.BehindSlots = 0
	default:
		c.BehindSlots, c.Delay = 0, 0
	}
	return c
}

type conditionJSON struct {
	Mode        Mode   `json:"mode"`
	BehindSlots uint64 `json:"behind_slots,omitempty"`
	Delay       string `json:"delay,omitempty"`
}

// MarshalJSON encodes the admin-endpoint form, with Delay as "2s".
func (c Condition) MarshalJSON() ([]byte, error) {
	out := conditionJSON{Mode: c.Mode, BehindSlots: c.BehindSlots}
	if c.Delay > 0 {
		out.Delay = c.Delay.String()
	}
	return json.Marshal(out)
}

// UnmarshalJSON decodes the admin-endpoint form; "mode" is required and
// unknown fields are refused so a typo ("behind_slot") is not silently lost.
func (c *Condition) UnmarshalJSON(b []byte) error {
	var in struct {
		Mode        *Mode  `json:"mode"`
		BehindSlots uint64 `json:"behind_slots"`
		Delay       string `json:"delay"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return fmt.Errorf("%w: send {\"mode\":\"behind\",\"behind_slots\":200,\"delay\":\"2s\"}", err)
	}
	if in.Mode == nil {
		return fmt.Errorf(`missing "mode": use one of %s`, modeList)
	}
	out := Condition{Mode: *in.Mode, BehindSlots: in.BehindSlots}
	if in.Delay != "" {
		d, err := time.ParseDuration(in.Delay)
		if err != nil {
			return fmt.Errorf("delay %q: write a Go duration such as \"2s\" or \"500ms\"", in.Delay)
		}
		out.Delay = d
	}
	*c = out
	return nil
}
