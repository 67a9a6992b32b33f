// Package install renders and installs the unit files that let a service
// manager run the watchdog: a systemd unit (system or --user) and a launchd
// property list (LaunchDaemon or LaunchAgent).
//
// Nothing here runs systemctl or launchctl: Install writes the file and prints
// the commands an operator (or a package's post-install script) runs next.
// docs/operations.md explains every directive and the procedures around them.
package install

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/vigilhq/vigil/watchdog/config"
)

// Name is the systemd unit name (vigil.service) and the base of the paths
// Vigil installs.
const Name = "vigil"

// Options are the inputs every service manager shares.
type Options struct {
	// Binary is the absolute path of the watchdog executable the service
	// manager runs. Default: the running executable (os.Executable).
	Binary string
	// ConfigPath is vigil.yaml; made absolute against the working directory.
	// Required.
	ConfigPath string
	// Config is the parsed ConfigPath. Nil means config.Load(ConfigPath): the
	// unit's writable paths, capabilities and stop timeout come from it.
	Config *config.Config
	// User installs for the current user (systemd --user, a LaunchAgent)
	// instead of system-wide.
	User bool
	// Home is the user's home directory for User installs. Default
	// os.UserHomeDir().
	Home string
	// Prefix is prepended to every path Install writes (a package build
	// root, a test's temp dir); the file's content still names the real paths.
	Prefix string
	// DryRun prints the file to Out instead of writing it.
	DryRun bool
	// Out receives the dry-run file and the follow-up commands. Nil discards.
	Out io.Writer
}

// Unit is a service definition for one service manager: SystemdOptions or
// LaunchdOptions.
type Unit interface {
	// Render returns the file's content.
	Render() ([]byte, error)
	// Path returns where the file goes, Prefix included.
	Path() (string, error)
	options() *Options
	// plan says what surrounds the file; cfg is nil when uninstalling.
	plan(cfg *config.Config) plan
}

// plan is what Install and Uninstall do around the file itself.
type plan struct {
	dirs           []string // created (under Prefix) before the file is written
	runAs          string   // owns dirs (systemd --run-as)
	links          []string // removed with the file (enablement symlinks)
	afterInstall   []string // commands printed after install
	afterUninstall []string // commands printed after uninstall
}

// Install renders u and writes it (mode 0644) to u.Path(), creating the
// directories the unit names as writable, then prints the commands that
// enable and start it. With DryRun it only prints. It returns the path
// written (or that would be written).
func Install(u Unit) (string, error) {
	o := u.options()
	path, err := u.Path()
	if err != nil {
		return "", err
	}
	data, err := u.Render()
	if err != nil {
		return "", err
	}
	cfg, err := o.config()
	if err != nil {
		return "", err
	}
	p := u.plan(cfg)
	w := o.out()
	if o.DryRun {
		fmt.Fprintf(w, "# %s (dry run: nothing written)\n%s", path, data)
		return path, nil
	}
	foreign, err := makeDirs(o.Prefix, p.dirs, p.runAs)
	if err != nil {
		return "", err
	}
	if err := writeFile(path, data); err != nil {
		return "", err
	}
	fmt.Fprintf(w, "wrote %s\n", path)
	var steps []string
	if len(foreign) > 0 {
		steps = append(steps, fmt.Sprintf("chown -R %s:%s %s   # the watchdog runs as %s and writes there", p.runAs, p.runAs, strings.Join(foreign, " "), p.runAs))
	}
	printSteps(w, append(steps, p.afterInstall...))
	return path, nil
}

// Uninstall removes the file Install wrote (and a systemd enablement link
// left beside it), then prints the commands that stop the running watchdog
// and make the service manager forget it. Removing a file that is not there
// is not an error: it prints so and returns the path it looked at.
func Uninstall(u Unit) (string, error) {
	o := u.options()
	path, err := u.Path()
	if err != nil {
		return "", err
	}
	p := u.plan(nil)
	w := o.out()
	if o.DryRun {
		fmt.Fprintf(w, "would remove %s (dry run)\n", path)
		return path, nil
	}
	for _, link := range p.links {
		if err := os.Remove(link); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("remove %s: %w", link, err)
		}
	}
	switch err := os.Remove(path); {
	case errors.Is(err, fs.ErrNotExist):
		fmt.Fprintf(w, "nothing to remove: %s does not exist (installed with --user, or under another prefix?)\n", path)
		return path, nil
	case err != nil:
		return "", fmt.Errorf("remove %s: %w", path, err)
	}
	fmt.Fprintf(w, "removed %s\n", path)
	printSteps(w, p.afterUninstall)
	return path, nil
}

func printSteps(w io.Writer, cmds []string) {
	fmt.Fprintln(w, "next:")
	for _, c := range cmds {
		fmt.Fprintf(w, "  %s\n", c)
	}
}

// writeFile writes data to path through a temp file and a rename, so a
// service manager never reads half a unit.
func writeFile(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w: run as root for a system install, or pass --user", path, err)
	}
	defer os.Remove(f.Name()) // no-op after the rename
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return fmt.Errorf("chmod %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func (o *Options) out() io.Writer {
	if o.Out == nil {
		return io.Discard
	}
	return o.Out
}

// resolved returns the absolute binary and config paths.
func (o *Options) resolved() (binary, cfgPath string, err error) {
	binary = o.Binary
	if binary == "" {
		if binary, err = os.Executable(); err != nil {
			return "", "", fmt.Errorf("find the watchdog binary: %w: pass its path", err)
		}
	}
	if !filepath.IsAbs(binary) {
		return "", "", fmt.Errorf("binary %q is not absolute: the service manager needs a full path", binary)
	}
	if o.ConfigPath == "" {
		return "", "", errors.New("no config path: pass -c /path/to/vigil.yaml")
	}
	if cfgPath, err = filepath.Abs(o.ConfigPath); err != nil {
		return "", "", fmt.Errorf("config path %q: %w", o.ConfigPath, err)
	}
	for _, p := range []string{binary, cfgPath} {
		if strings.ContainsAny(p, "\n\r\x00") {
			return "", "", fmt.Errorf("path %q contains a newline or NUL: rename it", p)
		}
	}
	return binary, cfgPath, nil
}

// config returns Config, loading ConfigPath when it is nil.
func (o *Options) config() (*config.Config, error) {
	if o.Config != nil {
		return o.Config, nil
	}
	_, p, err := o.resolved()
	if err != nil {
		return nil, err
	}
	cfg, err := config.Load(p)
	if err != nil {
		return nil, fmt.Errorf("install needs a valid config (its paths decide what the unit may write): %w", err)
	}
	o.Config = cfg
	return cfg, nil
}

// home returns Home or the current user's home directory.
func (o *Options) home() (string, error) {
	if o.Home != "" {
		return o.Home, nil
	}
	h, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find your home directory: %w: set HOME", err)
	}
	return h, nil
}
