// Package alert turns the supervisor's typed events into alerts for people:
// one alert when a problem starts or changes, one when it clears, a reminder
// while it lasts, and a rate limit when it flaps. Alerts go to sinks (a JSON
// lines file, a Slack-compatible webhook, a command) through a Dispatcher
// whose Notify never blocks the supervisor.
package alert

import (
	"context"
	"time"

	"github.com/vigilhq/vigil/watchdog"
)

// Sink delivers one alert. Send must return when ctx is done; the Dispatcher
// calls it from one goroutine per sink, never concurrently for one sink.
type Sink interface {
	Send(ctx context.Context, a Alert) error
}

// Alert is one message for people, derived from a watchdog.Event. It is also
// the JSON payload written by the file sink and POSTed by the webhook sink.
type Alert struct {
	// Key identifies the problem: "<service>/<problem>", e.g. "api/health".
	// Alerts with the same key are deduplicated, reminded and rate limited together.
	Key string `json:"key"`
	// Kind is the event kind the problem belongs to (a recovery of a health
	// problem has Kind "health").
	Kind watchdog.EventKind `json:"kind"`
	// Severity is the problem's severity; recoveries are "info".
	Severity watchdog.Severity `json:"severity"`
	// Service is the affected service ("" for the watchdog itself).
	Service string `json:"service,omitempty"`
	// Text is the human message; the JSON name "text" makes the payload a
	// valid Slack incoming-webhook message.
	Text string `json:"text"`
	// Event is the latest event of the problem.
	Event watchdog.Event `json:"event"`
	// Recovered marks the alert that says the problem cleared.
	Recovered bool `json:"recovered"`
	// Reminder marks a repeat of a problem that is still going on.
	Reminder bool `json:"reminder"`
	// Suppressed counts alerts for this key held back by the flapping limit
	// since the previous alert that was sent.
	Suppressed int `json:"suppressed,omitempty"`
	// Since is when the problem started (zero for one-shot events).
	Since time.Time `json:"since,omitzero"`
	// Time is when the alert was decided, from the Dispatcher's clock.
	Time time.Time `json:"time"`
	// Host is the machine the watchdog runs on.
	Host string `json:"host,omitempty"`
}
