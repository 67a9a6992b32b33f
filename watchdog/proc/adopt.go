package proc

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// ErrNotAdoptable means a saved process is gone or its pid was reused.
var ErrNotAdoptable = errors.New("not adoptable")

// Saved identifies a process a previous watchdog started: PID plus Ticks
// (its start time since boot) never match a reused pid.
type Saved struct {
	PID, PGID int
	Ticks     uint64
	StartedAt time.Time
	Sockets   int // handed-over sockets the process holds from fd 3 on
}

// Adopt takes over a process a previous watchdog started. It must still be
// the same process (pid and start time) and is watched through a pidfd,
// since it is not our child; its exit status cannot be known. A goroutine
// waits on the pidfd (on the runtime's poller, see awaitExit) and ends when
// the process does. The sockets it holds are
// duplicated (nil when none or on failure); the caller owns them.
func Adopt(sp Saved) (*Process, *Sockets, error) {
	ticks, err := StartTime(sp.PID)
	if err != nil || ticks != sp.Ticks {
		return nil, nil, fmt.Errorf("pid %d: %w (exited, or pid reused)", sp.PID, ErrNotAdoptable)
	}
	pidfd, err := unix.PidfdOpen(sp.PID, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("pidfd_open %d: %w", sp.PID, err)
	}
	var sockets *Sockets
	if sp.Sockets > 0 {
		sockets = recoverSockets(pidfd, sp.Sockets)
	}
	p := &Process{PID: sp.PID, PGID: sp.PGID, Started: sp.StartedAt, Ticks: ticks, Done: make(chan Exit, 1)}
	go func() {
		awaitExit(pidfd)
		p.Done <- Exit{At: time.Now(), Code: -1, Unknown: true}
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
func recoverSockets(pidfd, n int) *Sockets {
	ss := &Sockets{}
	for i := 0; i < n; i++ {
		fd, err := unix.PidfdGetfd(pidfd, 3+i, 0)
		if err != nil {
			ss.Close()
			return nil
		}
		f := os.NewFile(uintptr(fd), fmt.Sprintf("socket-%d", i))
		ss.Files = append(ss.Files, f)
		if listening, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ACCEPTCONN); err != nil || listening != 1 {
			ss.Close()
			return nil
		}
	}
	return ss
}

// FindMain looks for a service's main process by its markers: the earliest
// started group leader among the marked processes (its descendants inherit
// the markers, and start later). configKey names the environment variable
// holding the configuration the process was started with.
func FindMain(marker []string, configKey string) (sp Saved, config string, ok bool) {
	var best *Stat
	for _, st := range Tree(0, 0, marker) {
		if st.State == 'Z' || st.PID != st.PGID {
			continue
		}
		if best == nil || st.StartTime < best.StartTime {
			best = &st
		}
	}
	if best == nil {
		return Saved{}, "", false
	}
	sp = Saved{PID: best.PID, PGID: best.PGID, Ticks: best.StartTime, StartedAt: StartedAt(best.StartTime)}
	config, _ = Getenv(best.PID, configKey)
	if n, ok := Getenv(best.PID, "LISTEN_FDS"); ok {
		sp.Sockets, _ = strconv.Atoi(n)
	}
	return sp, config, true
}
