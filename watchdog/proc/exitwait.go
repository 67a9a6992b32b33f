package proc

import (
	"errors"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// awaitExit returns true once the process behind pidfd has exited (a child
// is then a zombie whose status is left for wait(2)). The goroutine parks on
// the runtime's poller instead of blocking in waitid(2) or poll(2), which
// would hold an idle OS thread, with its stacks, for the process's whole
// life: one per service. It polls a duplicate, so pidfd stays the caller's.
// False means the poller would not take the pidfd and nothing was waited
// for: the caller then blocks in a system call.
func awaitExit(pidfd int) bool {
	dup, err := unix.FcntlInt(uintptr(pidfd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return false
	}
	// O_NONBLOCK belongs to the open file description, which the duplicate
	// shares with pidfd: no caller's read of a pidfd may block on it.
	if err := unix.SetNonblock(dup, true); err != nil {
		unix.Close(dup)
		return false
	}
	f := os.NewFile(uintptr(dup), "pidfd") // non-blocking: registered with the poller
	defer f.Close()
	rc, err := f.SyscallConn()
	if err != nil {
		return false
	}
	return rc.Read(func(fd uintptr) bool { return exited(int(fd)) }) == nil
}

// exited reports whether the process behind pidfd has exited: a pidfd is
// readable from then on. A pidfd poll(2) refuses counts as exited, so no
// caller waits forever on an error.
func exited(pidfd int) bool {
	fds := []unix.PollFd{{Fd: int32(pidfd), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(fds, 0)
		if !errors.Is(err, syscall.EINTR) {
			return err != nil || n > 0
		}
	}
}
