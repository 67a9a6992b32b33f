package chaos

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ErrAborted means the game-day operator stopped the scenario.
var ErrAborted = errors.New("game day aborted by the operator")

// Prompter asks the game-day operator before each fault. Answers are
// lines read from in: y/yes injects, n/no/s/skip skips the fault, q/quit
// aborts. Run reads in until EOF; the caller closes in (or exits) to stop it.
type Prompter struct {
	in    io.Reader
	out   io.Writer
	lines chan string
}

// NewPrompter returns a Prompter reading answers from in and asking on out.
func NewPrompter(in io.Reader, out io.Writer) *Prompter {
	return &Prompter{in: in, out: out, lines: make(chan string)}
}

// Run reads answers until in ends; the reader blocks in Read, so it
// returns only at EOF or a read error of in (or when ctx ends and the
// next line arrives).
func (p *Prompter) Run(ctx context.Context) error {
	defer close(p.lines)
	sc := bufio.NewScanner(p.in)
	for sc.Scan() {
		select {
		case p.lines <- strings.TrimSpace(sc.Text()):
		case <-ctx.Done():
			return nil
		}
	}
	return sc.Err()
}

// Confirm implements Runner.Confirm: it describes the fault and waits for
// an answer. EOF on in aborts, so a closed pipe never injects by default.
func (p *Prompter) Confirm(ctx context.Context, s *Scenario, f FaultSpec) (bool, error) {
	for {
		fmt.Fprintf(p.out, "\n[%s] next fault %s: %s %s %s", s.Name, f.Name, f.Kind, f.Action, f.Target)
		if f.Duration > 0 {
			fmt.Fprintf(p.out, " for %v", f.Duration)
		}
		if f.Every > 0 {
			fmt.Fprintf(p.out, " every %v", f.Every)
		}
		fmt.Fprint(p.out, ". Inject? [y]es/[s]kip/[q]uit: ")
		select {
		case <-ctx.Done():
			return false, context.Cause(ctx)
		case line, ok := <-p.lines:
			if !ok {
				return false, fmt.Errorf("%w: no answer (input closed)", ErrAborted)
			}
			switch strings.ToLower(line) {
			case "y", "yes":
				return true, nil
			case "s", "skip", "n", "no":
				return false, nil
			case "q", "quit":
				return false, ErrAborted
			}
			fmt.Fprintf(p.out, "answer y, s or q (got %q)", line)
		}
	}
}
