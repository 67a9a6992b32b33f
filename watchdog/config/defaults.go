package config

import (
	"fmt"
	"time"
)

// Defaults. docs/config.md lists them with every other key.
const (
	DefaultSocket         = "./run/vigil.sock"
	DefaultStateFileName  = "vigil.state" // placed next to the socket
	DefaultLogsDir        = "./logs"
	DefaultLogMaxSize     = 10 << 20 // bytes
	DefaultLogMaxFiles    = 5
	DefaultBackoffMin     = 100 * time.Millisecond
	DefaultBackoffMax     = 30 * time.Second
	DefaultBackoffMult    = 2.0
	DefaultBackoffJitter  = 0.2
	DefaultResetAfter     = 10 * time.Second
	DefaultLimitBurst     = 10
	DefaultLimitInterval  = 60 * time.Second
	DefaultLimitCooldown  = 5 * time.Minute
	DefaultStopSignal     = "SIGTERM"
	DefaultStopTimeout    = 10 * time.Second
	DefaultCheckInterval  = 10 * time.Second
	DefaultCheckTimeout   = time.Second
	DefaultCheckFailures  = 3
	DefaultCheckSuccesses = 1
	DefaultHTTPMethod     = "GET"
	DefaultPostgresQuery  = "SELECT 1"
	DefaultWebhookTimeout = 5 * time.Second
	DefaultWebhookQueue   = 100
	// DefaultAlertmanagerResend is how often firing alerts are re-sent;
	// Alertmanager ends an alert 4 resends after the last one it got.
	DefaultAlertmanagerResend = time.Minute
	DefaultAlertRepeat        = 30 * time.Minute
)

// absentFunc reports whether a key path was left out of the file (or null).
// Numeric defaults apply only to absent keys, so an explicit 0 (jitter: 0,
// backoff.min: 0) is kept and validated.
type absentFunc func(path string) bool

// set assigns def to *field when the key was not written.
func set[T any](field *T, absent bool, def T) {
	if absent {
		*field = def
	}
}

func applyDefaults(c *Config, absent absentFunc) {
	if c.API.Socket == "" {
		c.API.Socket = DefaultSocket
	}
	if c.Logs.Dir == "" {
		c.Logs.Dir = DefaultLogsDir
	}
	c.Logs.Rotation.inherit(LogRotation{MaxSize: DefaultLogMaxSize, MaxFiles: DefaultLogMaxFiles})
	for name, s := range c.Services {
		s.applyDefaults("services."+name, absent, c.Logs.Rotation)
	}
	kinds := make([]string, len(c.Alerts))
	for i := range c.Alerts {
		a := &c.Alerts[i]
		p := fmt.Sprintf("alerts[%d]", i)
		kinds[i] = a.Kind()
		if a.Repeat == 0 {
			a.Repeat = DefaultAlertRepeat
		}
		if w := a.Webhook; w != nil {
			set(&w.Timeout, absent(p+".webhook.timeout"), DefaultWebhookTimeout)
			set(&w.Queue, absent(p+".webhook.queue"), DefaultWebhookQueue)
		}
		if am := a.Alertmanager; am != nil {
			set(&am.Timeout, absent(p+".alertmanager.timeout"), DefaultWebhookTimeout)
			set(&am.Resend, absent(p+".alertmanager.resend"), DefaultAlertmanagerResend)
			set(&am.Queue, absent(p+".alertmanager.queue"), DefaultWebhookQueue)
		}
	}
	names := defaultNames(kinds)
	for i := range c.Alerts {
		if c.Alerts[i].Name == "" {
			c.Alerts[i].Name = names[i]
		}
	}
}

// inherit fills zero fields from def.
func (r *LogRotation) inherit(def LogRotation) {
	if r.MaxSize == 0 {
		r.MaxSize = def.MaxSize
	}
	if r.MaxFiles == 0 {
		r.MaxFiles = def.MaxFiles
	}
	if r.MaxAge == 0 {
		r.MaxAge = def.MaxAge
	}
}

func (s *Service) applyDefaults(p string, absent absentFunc, logs LogRotation) {
	r := &s.Restart
	if r.Policy == "" {
		r.Policy = RestartAlways
	}
	set(&r.Backoff.Min, absent(p+".restart.backoff.min"), DefaultBackoffMin)
	set(&r.Backoff.Max, absent(p+".restart.backoff.max"), DefaultBackoffMax)
	set(&r.Backoff.Multiplier, absent(p+".restart.backoff.multiplier"), DefaultBackoffMult)
	set(&r.Backoff.Jitter, absent(p+".restart.backoff.jitter"), DefaultBackoffJitter)
	set(&r.ResetAfter, absent(p+".restart.reset_after"), DefaultResetAfter)
	set(&r.Limit.Burst, absent(p+".restart.limit.burst"), DefaultLimitBurst)
	set(&r.Limit.Interval, absent(p+".restart.limit.interval"), DefaultLimitInterval)
	set(&r.Limit.Cooldown, absent(p+".restart.limit.cooldown"), DefaultLimitCooldown)

	s.Stop.Signal = normalizeSignal(s.Stop.Signal)
	if s.Stop.Signal == "" {
		s.Stop.Signal = DefaultStopSignal
	}
	set(&s.Stop.Timeout, absent(p+".stop.timeout"), DefaultStopTimeout)
	if s.PortConflict == "" {
		s.PortConflict = PortWait
	}
	s.Logs.inherit(logs)

	var kinds []string
	for i := range s.Health.Liveness {
		s.Health.Liveness[i].applyDefaults(fmt.Sprintf("%s.health.liveness[%d]", p, i), absent)
		kinds = append(kinds, s.Health.Liveness[i].Kind())
	}
	for i := range s.Health.Readiness {
		s.Health.Readiness[i].applyDefaults(fmt.Sprintf("%s.health.readiness[%d]", p, i), absent)
		kinds = append(kinds, s.Health.Readiness[i].Kind())
	}
	names := defaultNames(kinds)
	for i, c := range s.checks() {
		if c.Name == "" {
			c.Name = names[i]
		}
	}
}

// checks returns pointers to the liveness then readiness checks.
func (s *Service) checks() []*Check {
	out := make([]*Check, 0, len(s.Health.Liveness)+len(s.Health.Readiness))
	for i := range s.Health.Liveness {
		out = append(out, &s.Health.Liveness[i])
	}
	for i := range s.Health.Readiness {
		out = append(out, &s.Health.Readiness[i])
	}
	return out
}

func (c *Check) applyDefaults(p string, absent absentFunc) {
	set(&c.Interval, absent(p+".interval"), DefaultCheckInterval)
	set(&c.Timeout, absent(p+".timeout"), DefaultCheckTimeout)
	set(&c.Failures, absent(p+".failures"), DefaultCheckFailures)
	set(&c.Successes, absent(p+".successes"), DefaultCheckSuccesses)
	if c.HTTP != nil && c.HTTP.Method == "" {
		c.HTTP.Method = DefaultHTTPMethod
	}
	if c.Postgres != nil && c.Postgres.Query == "" {
		c.Postgres.Query = DefaultPostgresQuery
	}
}

// Defaulted returns c, built in code rather than loaded, with the defaults
// Load gives absent keys applied to its zero-valued interval, timeout,
// failures, successes, name, http.method and postgres.query. The health
// package takes checks as Load or Defaulted leaves them.
func (c Check) Defaulted() Check {
	zero := map[string]bool{".interval": c.Interval <= 0, ".timeout": c.Timeout <= 0, ".failures": c.Failures <= 0, ".successes": c.Successes <= 0}
	if c.HTTP != nil {
		h := *c.HTTP
		c.HTTP = &h
	}
	if c.Postgres != nil {
		pg := *c.Postgres
		c.Postgres = &pg
	}
	c.applyDefaults("", func(p string) bool { return zero[p] })
	if c.Name == "" {
		c.Name = c.Kind()
	}
	return c
}

// defaultNames names items by kind: "<kind>" when the kind occurs once,
// "<kind>-<n>" (n from 1, in file order) when it occurs several times.
func defaultNames(kinds []string) []string {
	total := map[string]int{}
	for _, k := range kinds {
		total[k]++
	}
	seen := map[string]int{}
	names := make([]string, len(kinds))
	for i, k := range kinds {
		if k == "" {
			continue
		}
		seen[k]++
		names[i] = k
		if total[k] > 1 {
			names[i] = fmt.Sprintf("%s-%d", k, seen[k])
		}
	}
	return names
}

// Kind returns the name of the sink's kind ("file", "webhook",
// "alertmanager", "exec"), or "".
func (a *Alert) Kind() string {
	switch {
	case a.File != nil:
		return "file"
	case a.Webhook != nil:
		return "webhook"
	case a.Alertmanager != nil:
		return "alertmanager"
	case a.Exec != nil:
		return "exec"
	}
	return ""
}
