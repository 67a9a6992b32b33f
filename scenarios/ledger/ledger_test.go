package ledger

import (
	"testing"
	"time"
)

type goodRow struct {
	ID             int64
	Amount         int64
	Currency, Text string
	Key            string
	At             time.Time
}

type extraField struct {
	goodRow
	Note string
}

type stringID struct {
	ID                  string
	Amount              int64
	Currency, Text, Key string
	At                  time.Time
}

func TestCheckRow(t *testing.T) {
	tests := []struct {
		name  string
		check func() error
		ok    bool
	}{
		{"six columns, int64 id", checkRow[goodRow], true},
		{"not six fields", checkRow[extraField], false},
		{"string id", checkRow[stringID], false},
		{"not a struct", checkRow[int64], false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.check(); (err == nil) != tc.ok {
				t.Errorf("checkRow() = %v, want ok %v", err, tc.ok)
			}
		})
	}
}
