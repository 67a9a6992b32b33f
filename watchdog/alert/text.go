package alert

import (
	"fmt"
	"strings"
	"time"

	"github.com/vigilhq/vigil/watchdog"
)

// defaultSeverity grades a problem whose event carries no useful severity
// (state changes are often "info" even when they mean failed).
func defaultSeverity(kind watchdog.EventKind) watchdog.Severity {
	switch kind {
	case watchdog.EventMemoryRestart, watchdog.EventOrphans:
		return watchdog.SeverityWarning
	}
	return watchdog.SeverityCritical
}

func severityOf(kind watchdog.EventKind, ev watchdog.Event) watchdog.Severity {
	if ev.Severity == watchdog.SeverityWarning || ev.Severity == watchdog.SeverityCritical {
		return ev.Severity
	}
	return defaultSeverity(kind)
}

// render builds a.Text from the alert's other fields. lasted is how long a
// recovered problem lasted.
func render(a Alert, lasted time.Duration) string {
	var b strings.Builder
	switch {
	case a.Recovered:
		b.WriteString("[RESOLVED] ")
	case a.Reminder:
		b.WriteString("[REMINDER] ")
	default:
		fmt.Fprintf(&b, "[%s] ", strings.ToUpper(string(a.Severity)))
	}
	if a.Host != "" {
		fmt.Fprintf(&b, "%s: ", a.Host)
	}
	who := a.Service
	if who == "" {
		who = "vigil"
	}
	b.WriteString(who)
	b.WriteByte(' ')
	switch {
	case a.Recovered:
		b.WriteString(resolvedPhrase(a))
		if lasted > 0 {
			fmt.Fprintf(&b, " after %s", lasted.Round(time.Second))
		}
	case a.Reminder:
		fmt.Fprintf(&b, "still %s (for %s)", problemPhrase(a), a.Time.Sub(a.Since).Round(time.Second))
	default:
		b.WriteString(problemPhrase(a))
	}
	if a.Suppressed > 0 {
		fmt.Fprintf(&b, " (%d alerts suppressed: flapping)", a.Suppressed)
	}
	return b.String()
}

// problemPhrase says what is wrong, e.g. "is unhealthy: check db: timeout".
func problemPhrase(a Alert) string {
	ev := a.Event
	var s string
	switch a.Kind {
	case watchdog.EventHealth:
		s = "is " + string(ev.Health)
		if ev.Health == "" {
			s = "is unhealthy"
		}
		if ev.Check != "" {
			s += " (check " + ev.Check + ")"
		}
	case watchdog.EventStartLimit:
		s = "failed: start limit reached, restarts paused until cooldown"
	case watchdog.EventPortConflict:
		s = "cannot start: port conflict"
		if h := ev.Holder; h != nil {
			s = fmt.Sprintf("cannot start: port %d is held by pid %d (%s)", h.Port, h.PID, h.Command)
		}
	case watchdog.EventMemoryRestart:
		s = "was restarted: memory above max_memory"
	case watchdog.EventOrphans:
		s = "left processes that survived SIGKILL"
	default:
		s = "error"
	}
	if ev.Reason != "" {
		s += ": " + ev.Reason
	}
	return s
}

func resolvedPhrase(a Alert) string {
	ev := a.Event
	if ev.Kind == watchdog.EventStateChange && ev.To == watchdog.StateStopped {
		return "was stopped; " + string(a.Kind) + " problem cleared"
	}
	switch a.Kind {
	case watchdog.EventHealth:
		if ev.Health != "" && ev.Health != watchdog.HealthHealthy {
			return "is no longer unhealthy (now " + string(ev.Health) + ")"
		}
		return "is healthy again"
	case watchdog.EventPortConflict:
		if ev.Kind == watchdog.EventPortConflict {
			return "has its port free again"
		}
		return "is running again"
	case watchdog.EventStartLimit:
		return "is running again"
	}
	return string(a.Kind) + " problem cleared"
}
