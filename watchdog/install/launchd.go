package install

import (
	"fmt"
	"maps"
	"path/filepath"
	"time"

	"howett.net/plist"

	"github.com/vigilhq/vigil/watchdog/config"
)

// Label is the launchd job label; the plist is <Label>.plist.
const Label = "com.vigilhq.vigil"

// Defaults for LaunchdOptions.
const (
	// DefaultThrottleInterval is launchd's pause between restarts. launchd has
	// no start limit, so this is the only brake on a crash loop; the services
	// keep running meanwhile and are adopted.
	DefaultThrottleInterval = 5 * time.Second
	// DefaultLaunchdPath is PATH for the watchdog and its services; launchd's
	// own default (/usr/bin:/bin:/usr/sbin:/sbin) misses Homebrew.
	DefaultLaunchdPath = "/opt/homebrew/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
)

// LaunchdOptions describe a launchd job for the watchdog: a LaunchDaemon, or
// a LaunchAgent with User. *LaunchdOptions is a Unit: pass it to Install and
// Uninstall.
type LaunchdOptions struct {
	Options
	// Env is added to EnvironmentVariables, over PATH (DefaultLaunchdPath)
	// and VIGIL_CONFIG (the config path).
	Env map[string]string
	// ThrottleInterval: default DefaultThrottleInterval; whole seconds.
	ThrottleInterval time.Duration
	// ExitTimeOut is how long launchd waits after SIGTERM before SIGKILL.
	// Default: the config's stop budget, as for systemd's TimeoutStopSec.
	ExitTimeOut time.Duration
	// LogDir holds watchdog.log, the watchdog's own stdout and stderr
	// (services log to logs.dir). Default /Library/Logs/vigil, or
	// ~/Library/Logs/vigil with User.
	LogDir string
}

var _ Unit = (*LaunchdOptions)(nil)

// launchdJob is the property list; keys are launchd.plist(5)'s.
type launchdJob struct {
	Label                string            `plist:"Label"`
	ProgramArguments     []string          `plist:"ProgramArguments"`
	RunAtLoad            bool              `plist:"RunAtLoad"`
	KeepAlive            map[string]bool   `plist:"KeepAlive"`
	ThrottleInterval     int               `plist:"ThrottleInterval"`
	ExitTimeOut          int               `plist:"ExitTimeOut"`
	AbandonProcessGroup  bool              `plist:"AbandonProcessGroup"`
	ProcessType          string            `plist:"ProcessType"`
	Umask                int               `plist:"Umask"`
	WorkingDirectory     string            `plist:"WorkingDirectory"`
	StandardOutPath      string            `plist:"StandardOutPath"`
	StandardErrorPath    string            `plist:"StandardErrorPath"`
	EnvironmentVariables map[string]string `plist:"EnvironmentVariables"`
}

// LaunchdPlist renders the com.vigilhq.vigil property list (XML) described by opts.
func LaunchdPlist(opts LaunchdOptions) ([]byte, error) { return opts.Render() }

// Render returns the property list.
func (l *LaunchdOptions) Render() ([]byte, error) {
	binary, cfgPath, err := l.resolved()
	if err != nil {
		return nil, err
	}
	cfg, err := l.config()
	if err != nil {
		return nil, err
	}
	logDir, err := l.logDir()
	if err != nil {
		return nil, err
	}
	throttle := orDefault(l.ThrottleInterval, DefaultThrottleInterval)
	exit := orDefault(l.ExitTimeOut, stopBudget(cfg))
	if throttle < time.Second || exit < time.Second {
		return nil, fmt.Errorf("ThrottleInterval and ExitTimeOut must be at least 1s, got %s and %s", throttle, exit)
	}
	env := map[string]string{"PATH": DefaultLaunchdPath, "VIGIL_CONFIG": cfgPath}
	maps.Copy(env, l.Env)
	logFile := filepath.Join(logDir, "watchdog.log")
	job := launchdJob{
		Label:            Label,
		ProgramArguments: []string{binary, "run", "-c", cfgPath},
		RunAtLoad:        true,
		// Restart after a crash, a panic, SIGKILL or OOM (non-zero exit or
		// signal), but not after exit 0: the watchdog exits 0 only when told
		// to stop everything, and restarting it would start everything again.
		KeepAlive:            map[string]bool{"SuccessfulExit": false},
		ThrottleInterval:     int(throttle.Round(time.Second) / time.Second),
		ExitTimeOut:          int((exit + time.Second - 1) / time.Second),
		AbandonProcessGroup:  true,
		ProcessType:          "Standard",
		Umask:                0o027,
		WorkingDirectory:     filepath.Dir(cfgPath),
		StandardOutPath:      logFile,
		StandardErrorPath:    logFile,
		EnvironmentVariables: env,
	}
	out, err := plist.MarshalIndent(job, plist.XMLFormat, "\t")
	if err != nil {
		return nil, fmt.Errorf("render %s.plist: %w", Label, err)
	}
	return append(out, '\n'), nil
}

// Path returns /Library/LaunchDaemons/com.vigilhq.vigil.plist, or
// ~/Library/LaunchAgents/com.vigilhq.vigil.plist with User, under Prefix.
func (l *LaunchdOptions) Path() (string, error) {
	dir := "/Library/LaunchDaemons"
	if l.User {
		home, err := l.home()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(home, "Library", "LaunchAgents")
	}
	return filepath.Join(l.Prefix, dir, Label+".plist"), nil
}

func (l *LaunchdOptions) options() *Options { return &l.Options }

func (l *LaunchdOptions) logDir() (string, error) {
	switch {
	case l.LogDir != "":
		if !filepath.IsAbs(l.LogDir) {
			return "", fmt.Errorf("log dir %q is not absolute: launchd needs a full path", l.LogDir)
		}
		return l.LogDir, nil
	case l.User:
		home, err := l.home()
		if err != nil {
			return "", err
		}
		return filepath.Join(home, "Library", "Logs", Name), nil
	}
	return "/Library/Logs/" + Name, nil
}

func (l *LaunchdOptions) plan(cfg *config.Config) plan {
	domain, sudo := "system", "sudo "
	if l.User {
		domain, sudo = "gui/$(id -u)", ""
	}
	path, _ := l.Path()
	if l.Prefix != "" {
		path, _ = filepath.Rel(l.Prefix, path)
		path = "/" + path
	}
	var p plan
	if d, err := l.logDir(); err == nil && cfg != nil {
		p.dirs = []string{d}
	}
	p.afterInstall = []string{
		sudo + "launchctl bootstrap " + domain + " " + path,
		sudo + "launchctl print " + domain + "/" + Label + "   # then: watchdog status",
	}
	p.afterUninstall = []string{sudo + "launchctl bootout " + domain + "/" + Label + "   # stops every service too"}
	return p
}
