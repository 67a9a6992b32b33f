package slo

import (
	"fmt"
	"slices"
	"sort"
)

// Settlement is a transfer the application reported confirmed on a chain:
// who (the job) and what to look for there (the signature).
type Settlement struct {
	Job       int64  `json:"job"`
	Signature string `json:"signature"`
}

// SettlementResult is the chain check: every settlement the application
// reported confirmed must be found on chain at the end of a scenario.
type SettlementResult struct {
	// Reported is how many settlements the application reported confirmed.
	Reported int `json:"reported"`
	// Found is how many of them the chain knows at confirmed or finalized.
	Found int `json:"found"`
	// Lost are reported confirmed but not on chain: a broken promise,
	// like a lost write.
	Lost []Settlement `json:"lost"`
}

// OK reports whether no confirmed settlement is lost.
func (r SettlementResult) OK() bool { return len(r.Lost) == 0 }

// CheckSettlements compares what the application reported confirmed with
// what the chain holds (onChain: signature → found at confirmed or
// finalized).
func CheckSettlements(reported []Settlement, onChain map[string]bool) SettlementResult {
	r := SettlementResult{Reported: len(reported), Lost: []Settlement{}}
	for _, s := range reported {
		if onChain[s.Signature] {
			r.Found++
		} else {
			r.Lost = append(r.Lost, s)
		}
	}
	sort.Slice(r.Lost, func(i, j int) bool { return r.Lost[i].Job < r.Lost[j].Job })
	return r
}

// VerifyCanary checks the chain check at run time, as SetResult's does:
// the canary is a settlement claimed confirmed whose signature was never
// sent. A check that does not report it lost is blind. The returned
// result is r without the canary.
func (r SettlementResult) VerifyCanary(canary Settlement) (SettlementResult, error) {
	i := slices.Index(r.Lost, canary)
	if i < 0 {
		return r, fmt.Errorf("settlement check is blind: the canary signature %s was never sent, yet not reported lost", canary.Signature)
	}
	r.Lost = slices.Delete(slices.Clone(r.Lost), i, i+1)
	r.Reported--
	return r, nil
}
