// Package config defines vigil.yaml (version 1): its types, defaults, strict
// decoding with file:line errors, ${VAR} expansion and validation.
//
// The key names here are Vigil's public interface; docs/config.md lists every
// one with its default and meaning.
package config

import "time"

// Config is one parsed and validated vigil.yaml.
type Config struct {
	Version  int                 `yaml:"version"`
	API      API                 `yaml:"api"`
	Logs     Logs                `yaml:"logs"`
	Alerts   []Alert             `yaml:"alerts"`
	Services map[string]*Service `yaml:"services"`

	// Path is the file the config was loaded from ("" when parsed from bytes).
	Path string `yaml:"-"`
	// Order lists service names in the order they appear in the file.
	Order []string `yaml:"-"`

	// pos is where each key was written, for CheckHost's file:line; nil
	// for a config built in Go.
	pos map[string]position
}

// API configures the read-only HTTP listener and the control socket.
type API struct {
	// Listen is the TCP address for /health, /metrics and /v1 (read-only
	// unless TokenEnv names a set variable). Empty disables it.
	Listen string `yaml:"listen"`
	// Socket is the unix control socket, created mode 0600. Default
	// ./run/vigil.sock, made absolute against the config file's directory.
	Socket string `yaml:"socket"`
	// TokenEnv names an environment variable holding a bearer token that
	// allows control requests over Listen.
	TokenEnv string `yaml:"token_env"`
	// StateFile persists supervised pids for adoption after a watchdog crash.
	// Default: next to Socket, "vigil.state".
	StateFile string `yaml:"state_file"`
}

// Logs configures per-service log files.
type Logs struct {
	// Dir holds <service>.log files. Default ./logs, made absolute.
	Dir string `yaml:"dir"`
	// Rotation is the default for every service.
	Rotation LogRotation `yaml:",inline"`
}

// LogRotation bounds one service's log files.
type LogRotation struct {
	MaxSize  ByteSize      `yaml:"max_size"`  // default 10MiB
	MaxFiles int           `yaml:"max_files"` // rotated files kept, default 5
	MaxAge   time.Duration `yaml:"max_age"`   // 0 = keep regardless of age
}

// Service is one supervised program.
type Service struct {
	Command      []string             `yaml:"command"`  // required; command[0] is resolved by exec relative to Dir
	Shell        bool                 `yaml:"shell"`    // run command[0] with sh -c; command must then have one item
	Dir          string               `yaml:"dir"`      // default: the config file's directory; made absolute
	Env          map[string]string    `yaml:"env"`      // wins over EnvFile for the same key
	EnvFile      string               `yaml:"env_file"` // KEY=VALUE file loaded into SecretEnv; made absolute
	User         string               `yaml:"user"`
	Group        string               `yaml:"group"`
	DependsOn    map[string]Condition `yaml:"depends_on"`
	Critical     *bool                `yaml:"critical"` // default true; use IsCritical
	Restart      Restart              `yaml:"restart"`
	Stop         Stop                 `yaml:"stop"`
	Ports        []int                `yaml:"ports"`
	PortConflict PortPolicy           `yaml:"port_conflict"` // default wait
	MaxMemory    ByteSize             `yaml:"max_memory"`
	Logs         LogRotation          `yaml:"logs"` // zero fields inherit the top-level logs rotation
	Health       Health               `yaml:"health"`
	Sockets      []Socket             `yaml:"sockets"`

	// Name is the key under services:.
	Name string `yaml:"-"`
	// Line is the line of the service's key in the file.
	Line int `yaml:"-"`
	// SecretEnv holds the variables read from EnvFile. Their values must never
	// appear in status, API output or logs.
	SecretEnv map[string]string `yaml:"-" json:"-"`
}

// IsCritical reports whether the service counts toward overall health.
func (s *Service) IsCritical() bool { return s.Critical == nil || *s.Critical }

// Condition is what a dependent waits for.
type Condition string

// Dependency conditions.
const (
	ConditionStarted Condition = "started"
	ConditionHealthy Condition = "healthy"
)

// RestartPolicy says when an exited service is started again.
type RestartPolicy string

// Restart policies.
const (
	RestartAlways    RestartPolicy = "always"
	RestartOnFailure RestartPolicy = "on-failure"
	RestartNever     RestartPolicy = "never"
)

// Restart configures restarts, backoff and the start limit.
type Restart struct {
	Policy     RestartPolicy `yaml:"policy"`      // default always
	Backoff    Backoff       `yaml:"backoff"`     //
	ResetAfter time.Duration `yaml:"reset_after"` // default 10s of uptime resets backoff
	Limit      Limit         `yaml:"limit"`
}

// Backoff is exponential with jitter; the first restart after a stable run is immediate.
type Backoff struct {
	Min        time.Duration `yaml:"min"`        // default 100ms
	Max        time.Duration `yaml:"max"`        // default 30s
	Multiplier float64       `yaml:"multiplier"` // default 2
	Jitter     float64       `yaml:"jitter"`     // fraction 0..1, default 0.2
}

// Limit: more than Burst starts within Interval puts the service in state
// failed until Cooldown has passed; then it is tried again.
type Limit struct {
	Burst    int           `yaml:"burst"`    // default 10
	Interval time.Duration `yaml:"interval"` // default 60s
	Cooldown time.Duration `yaml:"cooldown"` // default 5m
}

// Stop configures graceful stop of the service's process group.
type Stop struct {
	Signal  string        `yaml:"signal"`  // default SIGTERM; "term" and "TERM" are stored as "SIGTERM"
	Timeout time.Duration `yaml:"timeout"` // default 10s, then SIGKILL to the group
}

// PortPolicy says what to do when a declared port is held by another process.
type PortPolicy string

// Port conflict policies.
const (
	PortWait       PortPolicy = "wait"
	PortKillHolder PortPolicy = "kill-holder"
	PortFail       PortPolicy = "fail"
)

// Health lists a service's checks.
type Health struct {
	// Liveness checks restart the service after Failures consecutive failures.
	Liveness []Check `yaml:"liveness"`
	// Readiness (deep) checks never restart; they set the status.
	Readiness []Check `yaml:"readiness"`
}

// Check is one health check; exactly one kind field is set.
type Check struct {
	Name string `yaml:"name"` // default "<kind>", or "<kind>-<n>" when the service has several of one kind

	HTTP     *HTTPCheck     `yaml:"http"`
	TCP      *TCPCheck      `yaml:"tcp"`
	Exec     *ExecCheck     `yaml:"exec"`
	Postgres *PostgresCheck `yaml:"postgres"`
	Solana   *SolanaCheck   `yaml:"solana"`
	Process  *ProcessCheck  `yaml:"process"`

	Interval    time.Duration `yaml:"interval"`     // default 10s
	Timeout     time.Duration `yaml:"timeout"`      // default 1s
	StartPeriod time.Duration `yaml:"start_period"` // failures ignored this long after start
	Failures    int           `yaml:"failures"`     // default 3
	Successes   int           `yaml:"successes"`    // default 1
	Critical    *bool         `yaml:"critical"`     // default true

	// Line is the line of the check in the file.
	Line int `yaml:"-"`
}

// IsCritical reports whether a failure of the check makes its service unhealthy
// (true) or degraded (false).
func (c *Check) IsCritical() bool { return c.Critical == nil || *c.Critical }

// Kind returns the name of the check's kind ("http", "tcp", ...), or "".
func (c *Check) Kind() string {
	switch {
	case c.HTTP != nil:
		return "http"
	case c.TCP != nil:
		return "tcp"
	case c.Exec != nil:
		return "exec"
	case c.Postgres != nil:
		return "postgres"
	case c.Solana != nil:
		return "solana"
	case c.Process != nil:
		return "process"
	}
	return ""
}

// HTTPCheck passes when the response matches every configured expectation.
type HTTPCheck struct {
	URL                string            `yaml:"url"`
	Method             string            `yaml:"method"`  // default GET
	Headers            map[string]string `yaml:"headers"` //
	Status             []int             `yaml:"status"`  // default any 2xx
	BodyContains       string            `yaml:"body_contains"`
	BodyRegex          string            `yaml:"body_regex"`
	JSON               map[string]string `yaml:"json"` // field path (a.b.c) -> expected value as string
	InsecureSkipVerify bool              `yaml:"insecure_skip_verify"`
}

// TCPCheck passes when Address accepts a connection (and answers Expect to Send).
type TCPCheck struct {
	Address string `yaml:"address"`
	Send    string `yaml:"send"`
	Expect  string `yaml:"expect"`
}

// ExecCheck passes when Command exits 0 within the timeout.
type ExecCheck struct {
	Command []string `yaml:"command"`
}

// PostgresCheck connects and runs Query (default SELECT 1), comparing to Expect when set.
type PostgresCheck struct {
	DSN    string `yaml:"dsn"`
	Query  string `yaml:"query"`
	Expect string `yaml:"expect"`
}

// SolanaCheck probes a Solana JSON-RPC node.
type SolanaCheck struct {
	URL         string        `yaml:"url"`
	SlotAdvance time.Duration `yaml:"slot_advance"` // slot must advance within this window; 0 = off
	MaxSlotLag  uint64        `yaml:"max_slot_lag"` // against Reference; 0 = off
	Reference   string        `yaml:"reference"`    // reference RPC URL
	Program     string        `yaml:"program"`      // program id that must exist and be executable
	AllowBehind bool          `yaml:"allow_behind"` // treat -32005 behind as passing
	PubSub      *SolanaPubSub `yaml:"pubsub"`       // opt-in: slot notifications must flow (solana_pubsub.go)
}

// ProcessCheck bounds the service's process group resources.
type ProcessCheck struct {
	MaxRSS ByteSize `yaml:"max_rss"` // 0 = report only
	MaxFDs int      `yaml:"max_fds"` // 0 = report only
}

// Socket is a listening socket the watchdog binds and hands to the service
// (LISTEN_FDS protocol); it stays open across the service's restarts.
type Socket struct {
	Listen string `yaml:"listen"`
	Name   string `yaml:"name"`
}

// Alert is one alert sink; exactly one kind field is set.
type Alert struct {
	Name    string       `yaml:"name"` // default "<kind>", or "<kind>-<n>" when several alerts share a kind
	File    *FileSink    `yaml:"file"`
	Webhook *WebhookSink `yaml:"webhook"`
	// Alertmanager posts to a Prometheus Alertmanager (API v2).
	Alertmanager *AlertmanagerSink `yaml:"alertmanager"`
	Exec         *ExecSink         `yaml:"exec"`
	Repeat       time.Duration     `yaml:"repeat"` // reminder interval while a problem lasts; default 30m, 0 keeps default
	Events       []string          `yaml:"events"` // event kinds to send; default all alerting kinds
	Line         int               `yaml:"-"`
}

// FileSink appends JSON lines.
type FileSink struct {
	Path string `yaml:"path"` // made absolute against the config file's directory
}

// WebhookSink POSTs JSON with a Slack-compatible "text" field.
type WebhookSink struct {
	URL     string            `yaml:"url"`
	Headers map[string]string `yaml:"headers"`
	Timeout time.Duration     `yaml:"timeout"` // default 5s
	Queue   int               `yaml:"queue"`   // bounded queue length, default 100
}

// AlertmanagerSink posts alerts to Alertmanager's /api/v2/alerts with
// labels alertname, service, host and severity, re-sends them while they
// fire and ends them on recovery.
type AlertmanagerSink struct {
	URL     string            `yaml:"url"`     // base URL, such as http://127.0.0.1:9093
	Labels  map[string]string `yaml:"labels"`  // added to every alert (team, env, ...)
	Timeout time.Duration     `yaml:"timeout"` // per request, default 5s
	Resend  time.Duration     `yaml:"resend"`  // re-send firing alerts this often, default 1m
	Queue   int               `yaml:"queue"`   // bounded delivery queue, default 100
}

// ExecSink runs Command with the event in VIGIL_* environment variables.
type ExecSink struct {
	Command []string `yaml:"command"`
}

// AlertEventKinds returns the event kinds alerts[].events may name: those
// that raise or clear an alert. Package alert delivers exactly these (its
// tests check the two lists agree).
func AlertEventKinds() []string {
	return []string{"health", "start_limit", "port_conflict", "memory_restart", "orphans", "error"}
}
