package report

import (
	"encoding/json"
	"fmt"
	"io"
)

// WriteJSON writes r as compact JSON (schema: docs/slo.md); timelines make
// indentation double the size, so read it with jq.
func WriteJSON(w io.Writer, r Report) error {
	enc := json.NewEncoder(w)
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("encode report json: %w", err)
	}
	return nil
}

// ReadJSON decodes a report written by WriteJSON. It refuses a report of a
// newer schema version than this code understands.
func ReadJSON(rd io.Reader) (Report, error) {
	var r Report
	if err := json.NewDecoder(rd).Decode(&r); err != nil {
		return Report{}, fmt.Errorf("decode report json: %w", err)
	}
	if r.SchemaVersion > SchemaVersion {
		return Report{}, fmt.Errorf("report schema version %d is newer than %d: update vigil to read it", r.SchemaVersion, SchemaVersion)
	}
	return r, nil
}
