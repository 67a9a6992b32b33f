package watchdog

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/vigilhq/vigil/watchdog/proc"
)

// errNotAdoptable means the saved process is gone or its pid was reused.
var errNotAdoptable = errors.New("not adoptable")

// adoptProcess takes over a process a previous watchdog started. It must
// still be the same process (pid and start time) and is watched through a
// pidfd, since it is not our child. Its exit status cannot be known.
func adoptProcess(sp savedProcess) (*process, *socketSet, error) {
	ticks, err := proc.StartTime(sp.PID)
	if err != nil || ticks != sp.StartTicks {
		return nil, nil, fmt.Errorf("pid %d: %w (exited, or pid reused)", sp.PID, errNotAdoptable)
	}
	pidfd, err := unix.PidfdOpen(sp.PID, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("pidfd_open %d: %w", sp.PID, err)
	}
	var sockets *socketSet
	if sp.Sockets > 0 {
		sockets = recoverSockets(pidfd, sp.Sockets)
	}
	p := &process{pid: sp.PID, pgid: sp.PGID, started: sp.StartedAt, ticks: ticks, done: make(chan exitInfo, 1)}
	go func() {
		defer unix.Close(pidfd)
		fds := []unix.PollFd{{Fd: int32(pidfd), Events: unix.POLLIN}}
		for {
			if _, err := unix.Poll(fds, -1); err == nil || !errors.Is(err, syscall.EINTR) {
				break
			}
		}
		p.done <- exitInfo{at: time.Now(), code: -1, unknown: true}
	}()
	return p, sockets, nil
}

// recoverSockets duplicates the listening sockets the adopted process holds
// at fd 3… (pidfd_getfd), so the next restart hands over the same sockets.
// On any failure it returns nil and the sockets are bound anew on the next
// start, once the old process has released them.
//
// A duplicate shares the open file description, status flags included, with
// the process: nothing here may change them. net.FileListener, for one, sets
// O_NONBLOCK, and a service blocked in accept(2) then fails with EAGAIN.
func recoverSockets(pidfd, n int) *socketSet {
	ss := &socketSet{}
	for i := 0; i < n; i++ {
		fd, err := unix.PidfdGetfd(pidfd, 3+i, 0)
		if err != nil {
			ss.close()
			return nil
		}
		f := os.NewFile(uintptr(fd), fmt.Sprintf("socket-%d", i))
		ss.files = append(ss.files, f)
		if listening, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ACCEPTCONN); err != nil || listening != 1 {
			ss.close()
			return nil
		}
	}
	return ss
}

// terminateStale stops a saved process that must not be adopted as is (its
// configuration changed while no watchdog ran): its whole tree, gracefully.
func (s *service) terminateStale(sp savedProcess) {
	if ticks, err := proc.StartTime(sp.PID); err != nil || ticks != sp.StartTicks {
		return
	}
	s.log.Warn("configuration changed while the watchdog was down: restarting the running copy", "pid", sp.PID)
	s.reapTree(&process{pid: sp.PID, pgid: sp.PGID}, nil, s.stopTimeout())
}

// adopt is called by the loop before anything else when a previous watchdog
// left this service running.
func (s *service) adopt(ctx context.Context, sp savedProcess) bool {
	if sp.ConfigHash != s.cfgHash {
		s.terminateStale(sp)
		return false
	}
	p, sockets, err := adoptProcess(sp)
	if err != nil {
		if !errors.Is(err, errNotAdoptable) {
			s.log.Error("cannot adopt", "pid", sp.PID, "err", err)
		}
		return false
	}
	s.sockets = sockets
	s.running(ctx, p, true)
	s.log.Info("adopted running process after a watchdog restart", "pid", p.pid, "since", p.started)
	return true
}

// adoptRunning is called by the loop before its first start. It adopts the
// process the state file names or, when that is stale or missing (a state
// write failed: disk full), the one still carrying the service's markers.
// Whatever of the service is still running and not adopted is stopped, so
// the start that follows never makes a second copy.
func (s *service) adoptRunning(ctx context.Context, saved *savedProcess) bool {
	if saved != nil && s.adopt(ctx, *saved) {
		return true
	}
	found, running := s.findRunning()
	if running && (saved == nil || found.PID != saved.PID) {
		s.log.Warn("service found running by its environment marker, not in the state file (a state write failed?): adopting it", "pid", found.PID)
		if s.adopt(ctx, found) {
			return true
		}
	}
	if left := s.tree(&process{}).scan(); len(left) > 0 {
		s.log.Warn("stopping what is left of the service before starting it", "pids", left)
		s.reapTree(&process{}, nil, s.stopTimeout())
	}
	if saved != nil && !running && saved.ConfigHash == s.cfgHash {
		s.log.Warn("service died while the watchdog was down: starting it", "pid", saved.PID)
		s.publish(Event{Kind: EventRestart, Severity: SeverityWarning, PID: saved.PID, Reason: "died while the watchdog was down"})
	}
	return false
}

// findRunning looks for the service's main process by its markers: the
// earliest started group leader among the marked processes (its
// descendants inherit the markers, and start later).
func (s *service) findRunning() (savedProcess, bool) {
	var best *proc.Stat
	for _, st := range proc.Tree(0, 0, s.marker()) {
		if st.State == 'Z' || st.PID != st.PGID {
			continue
		}
		if best == nil || st.StartTime < best.StartTime {
			best = &st
		}
	}
	if best == nil {
		return savedProcess{}, false
	}
	sp := savedProcess{PID: best.PID, PGID: best.PGID, StartTicks: best.StartTime, StartedAt: proc.StartedAt(best.StartTime)}
	sp.ConfigHash, _ = proc.Getenv(best.PID, EnvServiceConfig)
	if n, ok := proc.Getenv(best.PID, "LISTEN_FDS"); ok {
		sp.Sockets, _ = strconv.Atoi(n)
	}
	return sp, true
}
