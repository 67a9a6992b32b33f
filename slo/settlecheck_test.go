package slo

import (
	"reflect"
	"testing"
)

func TestCheckSettlements(t *testing.T) {
	a, b, c := Settlement{1, "sigA"}, Settlement{2, "sigB"}, Settlement{3, "sigC"}
	canary := Settlement{-1, "never-sent"}
	tests := []struct {
		name      string
		reported  []Settlement
		onChain   map[string]bool
		wantFound int
		wantLost  []Settlement
		blind     bool
	}{
		{"all on chain", []Settlement{a, b, canary}, map[string]bool{"sigA": true, "sigB": true}, 2, []Settlement{}, false},
		{"one lost", []Settlement{c, a, canary}, map[string]bool{"sigA": true}, 1, []Settlement{c}, false},
		{"nothing reported", []Settlement{canary}, nil, 0, []Settlement{}, false},
		{"blind checker", []Settlement{a, canary}, map[string]bool{"sigA": true, "never-sent": true}, 2, []Settlement{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := CheckSettlements(tc.reported, tc.onChain).VerifyCanary(canary)
			if (err != nil) != tc.blind {
				t.Fatalf("VerifyCanary err = %v, want blind %v", err, tc.blind)
			}
			if tc.blind {
				return
			}
			if r.Found != tc.wantFound || !reflect.DeepEqual(r.Lost, tc.wantLost) || r.Reported != len(tc.reported)-1 {
				t.Errorf("CheckSettlements(%v) = %+v, want found %d lost %v reported %d", tc.reported, r, tc.wantFound, tc.wantLost, len(tc.reported)-1)
			}
			if r.OK() != (len(tc.wantLost) == 0) {
				t.Errorf("OK() = %v with lost %v", r.OK(), r.Lost)
			}
		})
	}
}
