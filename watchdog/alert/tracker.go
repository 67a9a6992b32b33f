package alert

import (
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/vigilhq/vigil/watchdog"
)

// limits are one sink's alerting rhythms.
type limits struct {
	repeat time.Duration // reminder interval while a problem lasts
	window time.Duration // flapping window
	burst  int           // alerts per key per window before suppression
}

// tracker holds one sink's problem states and decides which alerts to send.
// Notify (the supervisor's goroutine) and the sink's worker (reminders) both
// call it; mu guards problems and is never held during I/O.
type tracker struct {
	host string
	lim  limits

	mu       sync.Mutex
	problems map[string]*problem
}

// problem is the state of one key.
type problem struct {
	key      string
	kind     watchdog.EventKind
	service  string
	oneShot  bool
	active   bool
	detail   string
	severity watchdog.Severity
	last     watchdog.Event
	since    time.Time // start of the current (or last) episode
	cleared  time.Time // end of the last episode

	lastSent   time.Time   // any alert, reminders included
	sent       []time.Time // non-reminder alerts inside the flapping window
	suppressed int         // alerts held back since the last one sent
}

func newTracker(host string, lim limits) *tracker {
	return &tracker{host: host, lim: lim, problems: make(map[string]*problem)}
}

// apply records one change and returns the alerts to send now (usually 0 or 1).
func (t *tracker) apply(c change, now time.Time) []Alert {
	t.mu.Lock()
	defer t.mu.Unlock()
	if c.op == opClearService {
		var out []Alert
		for _, k := range slices.Sorted(maps.Keys(t.problems)) {
			p := t.problems[k]
			if p.service == c.service && p.active {
				out = t.clear(p, c.ev, now, out)
			}
		}
		return out
	}
	p := t.problems[c.key()]
	if p == nil {
		if c.op == opClear {
			return nil // nothing was wrong: healthy after healthy is not news
		}
		p = &problem{key: c.key(), kind: c.kind, service: c.service, oneShot: c.op == opOnce}
		t.problems[p.key] = p
	}
	switch c.op {
	case opRaise:
		if p.active && p.detail == c.detail {
			p.last = c.ev
			return nil
		}
		if !p.active {
			p.since = now
		}
		p.active, p.detail, p.last = true, c.detail, c.ev
		p.severity = severityOf(p.kind, c.ev)
		return t.emit(p, now, false, nil)
	case opClear:
		if !p.active {
			return nil
		}
		return t.clear(p, c.ev, now, nil)
	case opOnce:
		p.last, p.severity = c.ev, severityOf(p.kind, c.ev)
		return t.emit(p, now, false, nil)
	}
	return nil
}

func (t *tracker) clear(p *problem, ev watchdog.Event, now time.Time, out []Alert) []Alert {
	p.active, p.detail, p.last, p.cleared = false, "", ev, now
	return t.emit(p, now, false, out)
}

// tick sends what time makes due: catch-up alerts for keys whose flapping
// window has room again, and reminders for problems that last. It also forgets
// quiet keys.
func (t *tracker) tick(now time.Time) []Alert {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []Alert
	for _, k := range slices.Sorted(maps.Keys(t.problems)) {
		p := t.problems[k]
		t.prune(p, now)
		switch {
		case p.suppressed > 0:
			if len(p.sent) < t.lim.burst { // room again: tell the current state
				out = t.emit(p, now, false, out)
			}
		case p.active && !p.oneShot && now.Sub(p.lastSent) >= t.lim.repeat:
			out = t.emit(p, now, true, out)
		case !p.active && len(p.sent) == 0:
			delete(t.problems, k)
		}
	}
	return out
}

// emit builds the alert for p's current state and appends it to out unless
// the flapping limit holds it back. Reminders bypass the limit: they come at
// most once per repeat interval anyway.
func (t *tracker) emit(p *problem, now time.Time, reminder bool, out []Alert) []Alert {
	if !reminder {
		t.prune(p, now)
		if len(p.sent) >= t.lim.burst {
			p.suppressed++
			return out
		}
		p.sent = append(p.sent, now)
	}
	a := Alert{
		Key:        p.key,
		Kind:       p.kind,
		Severity:   p.severity,
		Service:    p.service,
		Event:      p.last,
		Recovered:  !p.active && !p.oneShot,
		Reminder:   reminder,
		Suppressed: p.suppressed,
		Time:       now,
		Host:       t.host,
	}
	if !p.oneShot {
		a.Since = p.since
	}
	var lasted time.Duration
	if a.Recovered {
		a.Severity = watchdog.SeverityInfo
		lasted = p.cleared.Sub(p.since)
	}
	a.Text = render(a, lasted)
	p.suppressed = 0
	p.lastSent = now
	return append(out, a)
}

// prune drops send times that left the flapping window.
func (t *tracker) prune(p *problem, now time.Time) {
	cut := now.Add(-t.lim.window)
	i := 0
	for i < len(p.sent) && !p.sent[i].After(cut) {
		i++
	}
	p.sent = p.sent[i:]
}
