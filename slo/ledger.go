package slo

import (
	"sort"
	"sync"
)

// Outcome is what the client learned about one write.
type Outcome int

// Write outcomes.
const (
	Pending       Outcome = iota // attempted, no answer recorded (still in flight when stopped)
	Acknowledged                 // the database confirmed the write
	Failed                       // the write definitely did not happen (e.g. rejected before commit)
	Indeterminate                // sent, answer lost (timeout, connection reset): may or may not exist
)

var outcomeNames = [...]string{"pending", "acknowledged", "failed", "unknown"}

// String returns the outcome's report name.
func (o Outcome) String() string {
	if o < 0 || int(o) >= len(outcomeNames) {
		return "invalid"
	}
	return outcomeNames[o]
}

// Entry is one key's record in a Ledger.
type Entry struct {
	Key     string
	Outcome Outcome
	ID      string // row id returned by the acknowledged write
	Err     string // error of a failed or unknown write
}

// LedgerCounts are the Ledger's totals. Attempted = Acknowledged + Failed +
// Unknown + Pending.
type LedgerCounts struct {
	Attempted    int `json:"attempted"`
	Acknowledged int `json:"acknowledged"`
	Failed       int `json:"failed"`
	Unknown      int `json:"unknown"`
	Pending      int `json:"pending"`
}

// Ledger records every write a workload attempts and what the client was
// told about it. It is safe for concurrent use. An acknowledgement is final:
// a later Fail or Unknown for the same key does not undo it, because the
// client was already told the write is durable.
type Ledger struct {
	mu      sync.Mutex
	entries map[string]*Entry
}

// NewLedger returns an empty Ledger.
func NewLedger() *Ledger { return &Ledger{entries: map[string]*Entry{}} }

func (l *Ledger) entry(key string) *Entry {
	e, ok := l.entries[key]
	if !ok {
		e = &Entry{Key: key}
		l.entries[key] = e
	}
	return e
}

// Attempt records that a write of key is about to be sent.
func (l *Ledger) Attempt(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entry(key)
}

// Ack records that the write of key was acknowledged with row id. A key not
// attempted before is recorded as attempted.
func (l *Ledger) Ack(key, id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.entry(key)
	e.Outcome, e.ID, e.Err = Acknowledged, id, ""
}

// Fail records that the write of key definitely did not happen.
func (l *Ledger) Fail(key string, err error) { l.settle(key, Failed, err) }

// Unknown records that the write of key was sent but its outcome is unknown
// (timeout or connection reset after sending).
func (l *Ledger) Unknown(key string, err error) { l.settle(key, Indeterminate, err) }

func (l *Ledger) settle(key string, o Outcome, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.entry(key)
	if e.Outcome == Acknowledged {
		return
	}
	e.Outcome = o
	if err != nil {
		e.Err = err.Error()
	}
}

// Counts returns the current totals.
func (l *Ledger) Counts() LedgerCounts { return countEntries(l.Entries()) }

func countEntries(entries []Entry) LedgerCounts {
	c := LedgerCounts{Attempted: len(entries)}
	for _, e := range entries {
		switch e.Outcome {
		case Acknowledged:
			c.Acknowledged++
		case Failed:
			c.Failed++
		case Indeterminate:
			c.Unknown++
		default:
			c.Pending++
		}
	}
	return c
}

// Entries returns a copy of every entry, sorted by key.
func (l *Ledger) Entries() []Entry {
	l.mu.Lock()
	out := make([]Entry, 0, len(l.entries))
	for _, e := range l.entries {
		out = append(out, *e)
	}
	l.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}
