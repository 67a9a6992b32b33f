package chaos

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"
)

// NoteKind types a journal entry, so tools can filter a journal without
// parsing prose.
type NoteKind string

// Journal note kinds.
const (
	NoteRun      NoteKind = "run"      // a scenario started or ended
	NoteSteady   NoteKind = "steady"   // a steady-state check (before or after)
	NoteLoad     NoteKind = "load"     // workload and prober started or stopped
	NoteInject   NoteKind = "inject"   // a fault went in
	NoteRevert   NoteKind = "revert"   // a fault was rolled back
	NoteWatchdog NoteKind = "watchdog" // something the watchdog reported (restart, health, holder)
	NoteReadback NoteKind = "readback" // the Postgres read-back and set check
	NoteExpect   NoteKind = "expect"   // an expectation held or failed
	NoteConfirm  NoteKind = "confirm"  // a game-day operator answer
	NoteError    NoteKind = "error"    // anything that made the run fail
)

// Note is one timestamped journal entry.
type Note struct {
	Time     time.Time `json:"time"`
	Kind     NoteKind  `json:"kind"`
	Scenario string    `json:"scenario,omitempty"`
	Fault    string    `json:"fault,omitempty"`
	Service  string    `json:"service,omitempty"`
	OK       *bool     `json:"ok,omitempty"` // for checks: did it hold
	Msg      string    `json:"msg"`
}

// Journal is the run's record: every step with its time and a typed note.
// It is safe for concurrent use. When Out is set each note is also written
// there as one line as it happens (the game day's running log).
type Journal struct {
	mu    sync.Mutex
	notes []Note
	now   func() time.Time
	out   io.Writer
}

// NewJournal returns a journal stamping notes with now (time.Now when nil)
// and echoing them to out (none when nil).
func NewJournal(now func() time.Time, out io.Writer) *Journal {
	if now == nil {
		now = time.Now
	}
	return &Journal{now: now, out: out}
}

// Add records n, stamping it when its Time is zero, and returns it.
func (j *Journal) Add(n Note) Note {
	j.mu.Lock()
	defer j.mu.Unlock()
	if n.Time.IsZero() {
		n.Time = j.now()
	}
	j.notes = append(j.notes, n)
	if j.out != nil {
		fmt.Fprintln(j.out, n.String())
	}
	return n
}

// Notef records a note of kind for scenario with a formatted message.
func (j *Journal) Notef(kind NoteKind, scenario, format string, args ...any) Note {
	return j.Add(Note{Kind: kind, Scenario: scenario, Msg: fmt.Sprintf(format, args...)})
}

// Check records whether a check held.
func (j *Journal) Check(kind NoteKind, scenario string, ok bool, format string, args ...any) Note {
	return j.Add(Note{Kind: kind, Scenario: scenario, OK: &ok, Msg: fmt.Sprintf(format, args...)})
}

// Notes returns a copy of every note in order.
func (j *Journal) Notes() []Note {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make([]Note, len(j.notes))
	copy(out, j.notes)
	return out
}

// WriteJSON writes the journal as indented JSON (journal.json).
func (j *Journal) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	notes := j.Notes()
	if notes == nil {
		notes = []Note{}
	}
	return enc.Encode(notes)
}

// String renders the note on one line: time, kind, scenario/fault, message.
func (n Note) String() string {
	who := n.Scenario
	if n.Fault != "" {
		who += "/" + n.Fault
	}
	if n.Service != "" {
		who += " " + n.Service
	}
	mark := ""
	if n.OK != nil {
		mark = "FAIL "
		if *n.OK {
			mark = "ok "
		}
	}
	return fmt.Sprintf("%s %-8s %s: %s%s", n.Time.Format("15:04:05.000"), n.Kind, who, mark, n.Msg)
}
