package watchdog

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/vigilhq/vigil/watchdog/config"
)

// ErrAlreadyRunning means another watchdog holds the configuration's
// instance lock: it runs these services, and a second one must not touch
// them (it would adopt them, fail on the API and stop them).
var ErrAlreadyRunning = errors.New("another watchdog is running this configuration")

// InstanceLock is an exclusive flock(2) on the state file's lock file
// (api.state_file + ".lock"), holding the owner's pid. The watchdog that
// runs a configuration holds it for its whole life; the kernel releases it
// when that process ends, however it ends (kill -9 too), so the next
// watchdog can still adopt the services left running. Its descriptor is
// close-on-exec: services never inherit it.
type InstanceLock struct {
	f *os.File
}

// LockInstance takes cfg's instance lock without waiting. When another
// process holds it, the error wraps ErrAlreadyRunning and says which pid
// holds it and what to do. The caller closes the lock when it exits.
func LockInstance(cfg *config.Config) (*InstanceLock, error) {
	path := cfg.API.StateFile + ".lock"
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("instance lock: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if errors.Is(err, fs.ErrPermission) {
		return nil, fmt.Errorf("instance lock: %w: the watchdog runs as uid %d; give it the state directory (chown -R %d %s), or set api.state_file to a path it may write",
			err, os.Geteuid(), os.Geteuid(), filepath.Dir(path))
	}
	if err != nil {
		return nil, fmt.Errorf("instance lock: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		b, _ := os.ReadFile(path)
		f.Close()
		if !errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("instance lock %s: %w", path, err)
		}
		holder, stop := "another process", "stop that watchdog"
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			holder, stop = "pid "+strconv.Itoa(pid), "stop it (kill -TERM "+strconv.Itoa(pid)+")"
		}
		return nil, fmt.Errorf("%w: %s holds %s (control socket %s); nothing was started or stopped: control it with `watchdog status|start|stop|restart|reload`, or %s before starting another",
			ErrAlreadyRunning, holder, path, cfg.API.Socket, stop)
	}
	// Best effort: the pid only makes another watchdog's refusal precise.
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return &InstanceLock{f: f}, nil
}

// Close releases the lock. The lock file stays: unlinking it would race with
// a watchdog that has opened it and is about to lock it (that one would lock
// an orphaned inode while a third locks a new file).
func (l *InstanceLock) Close() error {
	if l == nil || l.f == nil {
		return nil
	}
	return l.f.Close()
}
