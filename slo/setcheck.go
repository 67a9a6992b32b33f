package slo

import (
	"fmt"
	"slices"
	"sort"
)

// SetResult is the Jepsen-style set check of a Ledger against the keys read
// back from the database after the run. Every key list is sorted.
type SetResult struct {
	LedgerCounts
	Present int `json:"present"` // distinct keys read back
	// Lost: acknowledged but not read back. Any is a broken promise.
	Lost []string `json:"lost"`
	// Unexpected: read back but never attempted. Any is a corruption.
	Unexpected []string `json:"unexpected"`
	// FailedPresent: the client was told the write definitely failed, yet it
	// was read back (a phantom write). Counted as unexpected for verdicts.
	FailedPresent []string `json:"failed_present"`
	// Duplicates: keys read back more than once, with their row count.
	Duplicates map[string]int `json:"duplicates"`
	// Recovered: outcome unknown or pending, and read back (the write did
	// land). Not a violation.
	Recovered []string `json:"recovered"`
	// UnknownAbsent: outcome unknown or pending, and not read back (the
	// write did not land). Not a violation.
	UnknownAbsent int `json:"unknown_absent"`
}

// OK reports whether the set check found no violation: nothing lost,
// unexpected, failed-but-present or duplicated.
func (s SetResult) OK() bool {
	return len(s.Lost) == 0 && len(s.Unexpected) == 0 && len(s.FailedPresent) == 0 && len(s.Duplicates) == 0
}

// Check compares l with present, the database read-back: key → number of
// rows holding it (reading it back is the scenario's job).
func Check(l *Ledger, present map[string]int) SetResult {
	entries := l.Entries()
	r := SetResult{
		LedgerCounts:  countEntries(entries),
		Lost:          []string{},
		Unexpected:    []string{},
		FailedPresent: []string{},
		Duplicates:    map[string]int{},
		Recovered:     []string{},
	}
	attempted := make(map[string]Outcome, len(entries))
	for _, e := range entries {
		attempted[e.Key] = e.Outcome
		n := present[e.Key]
		switch {
		case e.Outcome == Acknowledged && n == 0:
			r.Lost = append(r.Lost, e.Key)
		case e.Outcome == Failed && n > 0:
			r.FailedPresent = append(r.FailedPresent, e.Key)
		case (e.Outcome == Indeterminate || e.Outcome == Pending) && n > 0:
			r.Recovered = append(r.Recovered, e.Key)
		case (e.Outcome == Indeterminate || e.Outcome == Pending) && n == 0:
			r.UnknownAbsent++
		}
	}
	for k, n := range present {
		if n <= 0 {
			continue
		}
		r.Present++
		if n > 1 {
			r.Duplicates[k] = n
		}
		if _, ok := attempted[k]; !ok {
			r.Unexpected = append(r.Unexpected, k)
		}
	}
	sort.Strings(r.Unexpected)
	return r
}

// VerifyCanary checks the checker at run time and then takes the canary
// out of the result. The canary is a write the run acknowledged and then
// deleted from the database on purpose before reading back: a set check
// that does not report it lost is blind, and so is one whose figures break
// the count invariant acknowledged − lost ≤ present. The returned result
// is s without the canary (it is not the system's loss).
func (s SetResult) VerifyCanary(canary string) (SetResult, error) {
	if s.Acknowledged-len(s.Lost) > s.Present {
		return s, fmt.Errorf("set check is blind: %d acknowledged − %d lost > %d present: acknowledged writes are missing without being counted lost",
			s.Acknowledged, len(s.Lost), s.Present)
	}
	i := slices.Index(s.Lost, canary)
	if i < 0 {
		return s, fmt.Errorf("set check is blind: the canary %s was acknowledged and deleted before read-back, yet not reported lost", canary)
	}
	s.Lost = slices.Delete(slices.Clone(s.Lost), i, i+1)
	s.Attempted--
	s.Acknowledged--
	return s, nil
}
