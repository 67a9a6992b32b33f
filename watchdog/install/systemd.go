package install

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/vigilhq/vigil/watchdog/config"
)

// Defaults for SystemdOptions.
const (
	DefaultWatchdogSec        = 10 * time.Second
	DefaultRestartSec         = time.Second
	DefaultStartLimitBurst    = 5
	DefaultStartLimitInterval = 60 * time.Second
)

// SystemdOptions describe a systemd unit for the watchdog. *SystemdOptions is
// a Unit: pass it to Install and Uninstall.
type SystemdOptions struct {
	Options
	// ReadWritePaths are added to the config's logs, socket, state and file
	// alert directories, the only places the unit may write (ProtectSystem=strict).
	ReadWritePaths []string
	// Capabilities are added to the bounding set the config needs.
	Capabilities []string
	// WatchdogSec: systemd restarts the watchdog when it has not said
	// WATCHDOG=1 for this long. Default DefaultWatchdogSec.
	WatchdogSec time.Duration
	// RestartSec is the pause before systemd restarts a dead watchdog.
	// Default DefaultRestartSec.
	RestartSec time.Duration
	// StartLimitBurst starts within StartLimitInterval put the unit in
	// failed. Defaults DefaultStartLimitBurst and DefaultStartLimitInterval.
	StartLimitBurst    int
	StartLimitInterval time.Duration
	// TimeoutStopSec bounds a graceful stop of everything. Default: the
	// config's longest depends_on chain of stop.timeouts, plus margins.
	TimeoutStopSec time.Duration
	// RunAs runs the watchdog as this (system) user instead of root, with the
	// capabilities it needs as ambient capabilities (User=, AmbientCapabilities=):
	// it can still drop services to their user:, kill port holders and so on,
	// but holds no other root power. Create the user first (useradd --system).
	RunAs string
}

var _ Unit = (*SystemdOptions)(nil)

// systemdView is what the template sees.
type systemdView struct {
	SystemdOptions
	Path, Binary, Config, WorkDir, WantedBy string
	Writable, Capabilities                  []string
	UnderHome                               bool
}

// SystemdUnit renders the vigil.service unit described by opts.
func SystemdUnit(opts SystemdOptions) (string, error) {
	b, err := opts.Render()
	return string(b), err
}

// Render returns the unit file's content.
func (s *SystemdOptions) Render() ([]byte, error) {
	v, err := s.view()
	if err != nil {
		return nil, err
	}
	return v.render(), nil
}

// Path returns /etc/systemd/system/vigil.service, or
// ~/.config/systemd/user/vigil.service for User, under Prefix.
func (s *SystemdOptions) Path() (string, error) {
	dir, err := s.dir()
	if err != nil {
		return "", err
	}
	return filepath.Join(s.Prefix, dir, Name+".service"), nil
}

func (s *SystemdOptions) dir() (string, error) {
	if !s.User {
		return "/etc/systemd/system", nil
	}
	home, err := s.home()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".config", "systemd", "user"), nil
}

func (s *SystemdOptions) options() *Options { return &s.Options }

func (s *SystemdOptions) wantedBy() string {
	if s.User {
		return "default.target"
	}
	return "multi-user.target"
}

func (s *SystemdOptions) plan(cfg *config.Config) plan {
	ctl := "systemctl"
	if s.User {
		ctl = "systemctl --user"
	}
	var p plan
	if !s.User {
		p.runAs = s.RunAs // --user units run as the user who installs them
	}
	if path, err := s.Path(); err == nil {
		p.links = []string{filepath.Join(filepath.Dir(path), s.wantedBy()+".wants", Name+".service")}
	}
	if cfg != nil {
		if v, err := s.view(); err == nil {
			p.dirs = v.Writable
		}
	}
	p.afterInstall = []string{
		ctl + " daemon-reload && " + ctl + " enable --now " + Name,
		ctl + " status " + Name + "   # then: watchdog status",
	}
	if s.User {
		p.afterInstall = append(p.afterInstall, "loginctl enable-linger \"$USER\"   # keep it running after you log out")
	}
	p.afterUninstall = []string{ctl + " stop " + Name + " && " + ctl + " daemon-reload && " + ctl + " reset-failed " + Name + "   # stops every service too"}
	return p
}

// view checks the options, applies defaults and gathers the config's paths.
func (s *SystemdOptions) view() (systemdView, error) {
	binary, cfgPath, err := s.resolved()
	if err != nil {
		return systemdView{}, err
	}
	cfg, err := s.config()
	if err != nil {
		return systemdView{}, err
	}
	o := *s
	o.WatchdogSec = orDefault(o.WatchdogSec, DefaultWatchdogSec)
	o.RestartSec = orDefault(o.RestartSec, DefaultRestartSec)
	o.StartLimitInterval = orDefault(o.StartLimitInterval, DefaultStartLimitInterval)
	o.TimeoutStopSec = orDefault(o.TimeoutStopSec, stopBudget(cfg))
	if o.StartLimitBurst == 0 {
		o.StartLimitBurst = DefaultStartLimitBurst
	}
	if o.WatchdogSec < time.Second || o.RestartSec < 0 || o.StartLimitBurst < 0 || o.TimeoutStopSec < 0 {
		return systemdView{}, errors.New("WatchdogSec must be at least 1s and RestartSec, StartLimitBurst and TimeoutStopSec not negative")
	}
	l, err := newLayout(binary, cfgPath, cfg, s.ReadWritePaths)
	if err != nil {
		return systemdView{}, err
	}
	if bad := l.privateTmpConflicts(); len(bad) > 0 && !s.User {
		return systemdView{}, fmt.Errorf("%s is under /tmp or /var/tmp, which the unit replaces with a private, empty one (PrivateTmp=yes): move the binary, vigil.yaml and its logs, run and service directories elsewhere (/usr/local/bin, /etc/vigil, /var/lib/vigil)", strings.Join(bad, ", "))
	}
	caps, err := capabilities(cfg, s.Capabilities)
	if err != nil {
		return systemdView{}, err
	}
	path, err := s.Path()
	if err != nil {
		return systemdView{}, err
	}
	dir, _ := s.dir()
	return systemdView{
		SystemdOptions: o,
		Path:           filepath.Join(dir, filepath.Base(path)),
		Binary:         binary, Config: cfgPath, WorkDir: l.workDir, WantedBy: s.wantedBy(),
		Writable: l.writable, Capabilities: caps, UnderHome: l.underHome,
	}, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// span writes d in systemd's time syntax, whole seconds when it can.
func span(d time.Duration) string {
	if d%time.Second == 0 {
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return fmt.Sprintf("%dms", d.Milliseconds())
}

// escSpecifiers escapes % so systemd does not expand it as a specifier.
func escSpecifiers(s string) string { return strings.ReplaceAll(s, "%", "%%") }

// quoteArg makes s one ExecStart argument: specifiers and $ escaped, quoted
// when it holds spaces, quotes or backslashes.
func quoteArg(s string) string {
	return quoteWord(strings.ReplaceAll(escSpecifiers(s), "$", "$$"))
}

// quoteList joins paths for a space-separated setting such as ReadWritePaths.
func quoteList(paths []string) string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = quoteWord(escSpecifiers(p))
	}
	return strings.Join(out, " ")
}

func quoteWord(s string) string {
	if !strings.ContainsAny(s, " \t\"'\\") {
		return s
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
