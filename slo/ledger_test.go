package slo

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
)

func TestLedgerConcurrent(t *testing.T) {
	l := NewLedger()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 256 {
				k := fmt.Sprintf("w%d-%d", w, i)
				l.Attempt(k)
				switch i % 4 {
				case 0, 1:
					l.Ack(k, "id-"+k)
				case 2:
					l.Fail(k, errors.New("rejected"))
				}
			}
		}()
	}
	wg.Wait()
	got := l.Counts()
	want := LedgerCounts{Attempted: 2048, Acknowledged: 1024, Failed: 512, Pending: 512}
	if got != want {
		t.Errorf("Counts() = %+v, want %+v", got, want)
	}
}

func TestLedgerAckIsFinal(t *testing.T) {
	l := NewLedger()
	l.Attempt("a")
	l.Ack("a", "1")
	l.Unknown("a", errors.New("late timeout"))
	l.Fail("a", errors.New("late failure"))
	l.Ack("b", "2") // never attempted: recorded as attempted
	if got := l.Counts(); got.Acknowledged != 2 || got.Attempted != 2 {
		t.Errorf("Counts() = %+v, want 2 attempted, 2 acknowledged", got)
	}
}

func TestCheck(t *testing.T) {
	build := func() *Ledger {
		l := NewLedger()
		for _, k := range []string{"ack1", "ack2", "ack3"} {
			l.Attempt(k)
			l.Ack(k, "id")
		}
		l.Attempt("fail1")
		l.Fail("fail1", errors.New("unique violation"))
		l.Attempt("unk1")
		l.Unknown("unk1", errors.New("connection reset"))
		l.Attempt("unk2")
		l.Unknown("unk2", errors.New("timeout"))
		l.Attempt("pending1")
		return l
	}
	allAcked := map[string]int{"ack1": 1, "ack2": 1, "ack3": 1}
	with := func(extra map[string]int) map[string]int {
		m := map[string]int{}
		for k, v := range allAcked {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name                    string
		present                 map[string]int
		lost, unexpected, fpres []string
		dups                    map[string]int
		recovered               []string
		unknownAbsent           int
		ok                      bool
	}{
		{name: "clean", present: allAcked, unknownAbsent: 3, ok: true},
		{name: "unknown writes that landed are recovered", present: with(map[string]int{"unk1": 1, "pending1": 1}), recovered: []string{"pending1", "unk1"}, unknownAbsent: 1, ok: true},
		{name: "lost write", present: map[string]int{"ack1": 1, "ack3": 1}, lost: []string{"ack2"}, unknownAbsent: 3},
		{name: "duplicate", present: with(map[string]int{"ack2": 2}), dups: map[string]int{"ack2": 2}, unknownAbsent: 3},
		{name: "never attempted", present: with(map[string]int{"ghost": 1}), unexpected: []string{"ghost"}, unknownAbsent: 3},
		{name: "definite failure present", present: with(map[string]int{"fail1": 1}), fpres: []string{"fail1"}, unknownAbsent: 3},
		{name: "zero counts are absent", present: with(map[string]int{"ack1": 0}), lost: []string{"ack1"}, unknownAbsent: 3},
	}
	norm := func(s []string) []string {
		if s == nil {
			return []string{}
		}
		return s
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Check(build(), tc.present)
			if tc.dups == nil {
				tc.dups = map[string]int{}
			}
			if !reflect.DeepEqual(r.Lost, norm(tc.lost)) || !reflect.DeepEqual(r.Unexpected, norm(tc.unexpected)) ||
				!reflect.DeepEqual(r.FailedPresent, norm(tc.fpres)) || !reflect.DeepEqual(r.Duplicates, tc.dups) ||
				!reflect.DeepEqual(r.Recovered, norm(tc.recovered)) || r.UnknownAbsent != tc.unknownAbsent {
				t.Errorf("Check = lost %v unexpected %v failedPresent %v dups %v recovered %v unknownAbsent %d,\nwant lost %v unexpected %v failedPresent %v dups %v recovered %v unknownAbsent %d",
					r.Lost, r.Unexpected, r.FailedPresent, r.Duplicates, r.Recovered, r.UnknownAbsent,
					tc.lost, tc.unexpected, tc.fpres, tc.dups, tc.recovered, tc.unknownAbsent)
			}
			if r.OK() != tc.ok {
				t.Errorf("OK() = %v, want %v", r.OK(), tc.ok)
			}
			if r.Attempted != 7 || r.Acknowledged != 3 || r.Failed != 1 || r.Unknown != 2 || r.Pending != 1 {
				t.Errorf("counts = %+v, want 7 attempted, 3 acked, 1 failed, 2 unknown, 1 pending", r.LedgerCounts)
			}
		})
	}
}

// TestVerifyCanaryCatchesABlindChecker: a checker that reports the deleted
// canary lost passes and the canary is taken out of its figures; one that
// does not (blinded) or whose counts break acknowledged − lost ≤ present is
// an error, so a run cannot report "lost 0" on writes it lost.
func TestVerifyCanaryCatchesABlindChecker(t *testing.T) {
	l := NewLedger()
	for _, k := range []string{"a", "b", "canary"} {
		l.Attempt(k)
		l.Ack(k, "1")
	}
	good := Check(l, map[string]int{"a": 1, "b": 1})
	got, err := good.VerifyCanary("canary")
	if err != nil || len(got.Lost) != 0 || got.Acknowledged != 2 || got.Attempted != 2 {
		t.Fatalf("VerifyCanary on an honest check = %+v, %v; want no loss left and 2 acknowledged", got, err)
	}
	if len(good.Lost) != 1 {
		t.Fatalf("VerifyCanary changed its receiver's Lost: %v", good.Lost)
	}
	blind := good
	blind.Lost = []string{}
	if _, err := blind.VerifyCanary("canary"); err == nil {
		t.Error("VerifyCanary on a check that lost nothing yet misses a row = nil, want 'blind'")
	}
	missesCanary := Check(l, map[string]int{"a": 1})
	missesCanary.Lost = []string{"b"} // counts "b" but not the canary
	if _, err := missesCanary.VerifyCanary("canary"); err == nil {
		t.Error("VerifyCanary when the canary is not reported lost = nil, want an error")
	}
}
