package slo

import (
	"context"
	"errors"
	"reflect"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/vigilhq/vigil/faults/runtest"
)

// memDB is a tiny in-memory table: the workload's true edge.
type memDB struct {
	mu   sync.Mutex
	rows map[string]int
	n    int
}

func (db *memDB) insert(key string) string {
	db.mu.Lock()
	defer db.mu.Unlock()
	db.n++
	db.rows[key]++
	return strconv.Itoa(db.n)
}

func (db *memDB) snapshot() map[string]int {
	db.mu.Lock()
	defer db.mu.Unlock()
	out := map[string]int{}
	for k, v := range db.rows {
		out[k] = v
	}
	return out
}

func TestWorkloadRun(t *testing.T) {
	db := &memDB{rows: map[string]int{}}
	var calls int
	var mu sync.Mutex
	w := Workload{
		Rate: 2000, Duration: 30 * time.Second, MaxOps: 200, MaxInFlight: 4, Seed: 42,
		Do: func(ctx context.Context, key string) (string, error, bool) {
			mu.Lock()
			calls++
			n := calls
			mu.Unlock()
			switch n % 5 {
			case 1: // rejected before commit
				return "", errors.New("rejected"), true
			case 2: // committed, answer lost
				db.insert(key)
				return "", errors.New("connection reset by peer"), false
			case 3: // never reached the database, answer lost
				return "", errors.New("timeout"), false
			}
			return db.insert(key), nil, false
		},
	}
	l := NewLedger()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := w.Run(ctx, l); err != nil {
		t.Fatalf("Run = %v", err)
	}
	c := l.Counts()
	if c.Attempted != 200 || c.Acknowledged != 80 || c.Failed != 40 || c.Unknown != 80 || c.Pending != 0 {
		t.Fatalf("Counts() = %+v, want 200 attempted (MaxOps), 80 acked, 40 failed, 80 unknown", c)
	}
	r := Check(l, db.snapshot())
	if !r.OK() || len(r.Recovered) != 40 || r.UnknownAbsent != 40 {
		t.Errorf("Check = ok %v recovered %d unknownAbsent %d, want ok, 40, 40", r.OK(), len(r.Recovered), r.UnknownAbsent)
	}
	// The set check must catch a write the database then loses.
	rows := db.snapshot()
	for _, e := range l.Entries() {
		if e.Outcome == Acknowledged {
			delete(rows, e.Key)
			break
		}
	}
	if r := Check(l, rows); len(r.Lost) != 1 || r.OK() {
		t.Errorf("Check after dropping an acked row: lost %v ok %v, want 1 lost, not ok", r.Lost, r.OK())
	}
}

func TestWorkloadBoundedByDuration(t *testing.T) {
	w := Workload{Rate: 50, Duration: 100 * time.Millisecond, Seed: 7,
		Do: func(ctx context.Context, key string) (string, error, bool) { return key, nil, false }}
	l := NewLedger()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	if err := w.Run(ctx, l); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if n := l.Counts().Attempted; n < 1 || n > 5 {
		t.Errorf("attempted %d writes at 50/s for 100ms, want 1..5 (bounded by Rate×Duration)", n)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("Run took %v, want bounded by Duration", el)
	}
}

func TestWorkloadStopsOnCancelAndWaitsForWrites(t *testing.T) {
	started := make(chan struct{}, 1)
	w := Workload{Rate: 1000, Duration: time.Hour, MaxInFlight: 1, Seed: 3,
		Do: func(ctx context.Context, key string) (string, error, bool) {
			select {
			case started <- struct{}{}:
			default:
			}
			<-ctx.Done()
			return "", ctx.Err(), false
		}}
	l := NewLedger()
	stop := runtest.Start(t, func(ctx context.Context) error { return w.Run(ctx, l) }, 10*time.Second)
	<-started
	stop()
	if c := l.Counts(); c.Unknown != 1 || c.Pending != 0 {
		t.Errorf("Counts() = %+v, want the in-flight write recorded as unknown", c)
	}
}

func TestWorkloadValidate(t *testing.T) {
	err := Workload{}.Run(context.Background(), NewLedger())
	if err == nil {
		t.Fatal("Run(zero Workload) = nil, want errors")
	}
	for _, want := range []string{"rate", "duration", "seed", "Do"} {
		if !containsFold(err.Error(), want) {
			t.Errorf("Run(zero Workload) = %q, want it to mention %q", err, want)
		}
	}
}

func TestWorkloadKeysReproducibleAndUnique(t *testing.T) {
	a := Workload{Seed: 99}.Keys(1000)
	b := Workload{Seed: 99}.Keys(1000)
	c := Workload{Seed: 100}.Keys(3)
	if !reflect.DeepEqual(a, b) {
		t.Error("Keys differ for the same seed")
	}
	if reflect.DeepEqual(a[:3], c) {
		t.Error("Keys equal for different seeds")
	}
	seen := map[string]bool{}
	for _, k := range a {
		if seen[k] {
			t.Fatalf("duplicate key %q", k)
		}
		seen[k] = true
	}
}

// TestWorkloadRetriesUnknownOutcomesWithTheSameKey: a write whose outcome is
// unknown is sent again with its key, up to Retries more times; the final
// outcome is what the ledger records, and a definite failure is not retried.
func TestWorkloadRetriesUnknownOutcomesWithTheSameKey(t *testing.T) {
	tests := []struct {
		name      string
		retries   int
		answers   []string // per call: "ok", "unknown", "fail"
		wantCalls int
		want      Outcome
	}{
		{"unknown then ok is acknowledged", 3, []string{"unknown", "unknown", "ok"}, 3, Acknowledged},
		{"unknown every time stays unknown", 2, []string{"unknown", "unknown", "unknown", "ok"}, 3, Indeterminate},
		{"a definite failure is final", 3, []string{"fail", "ok"}, 1, Failed},
		{"no retries by default", 0, []string{"unknown", "ok"}, 1, Indeterminate},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var keys []string
			w := Workload{Rate: 1, Duration: time.Minute, MaxOps: 1, Seed: 7, Retries: tc.retries,
				Do: func(_ context.Context, key string) (string, error, bool) {
					keys = append(keys, key)
					switch tc.answers[len(keys)-1] {
					case "ok":
						return "1", nil, false
					case "fail":
						return "", errors.New("400"), true
					}
					return "", errors.New("503"), false
				}}
			l := NewLedger()
			if err := w.Run(context.Background(), l); err != nil {
				t.Fatal(err)
			}
			if len(keys) != tc.wantCalls {
				t.Fatalf("calls = %d, want %d", len(keys), tc.wantCalls)
			}
			for _, k := range keys {
				if k != keys[0] {
					t.Fatalf("retry used key %q, want the first key %q", k, keys[0])
				}
			}
			if e := l.Entries(); len(e) != 1 || e[0].Outcome != tc.want {
				t.Fatalf("ledger = %+v, want one entry %v", e, tc.want)
			}
		})
	}
}
