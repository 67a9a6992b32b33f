package proc

import (
	"errors"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// awaitExit returns once the process behind pidfd has exited (a child is
// then a zombie whose status is left for wait(2)), and closes pidfd. The
// goroutine parks on the runtime's poller instead of blocking in waitid(2)
// or poll(2), which would hold an idle OS thread, with its stacks, for the
// process's whole life: one per service. Only where the poller refuses the
// pidfd does it block in poll(2) as before.
func awaitExit(pidfd int) {
	_ = unix.SetNonblock(pidfd, true) // so that os.NewFile hands it to the poller
	f := os.NewFile(uintptr(pidfd), "pidfd")
	defer f.Close()
	rc, err := f.SyscallConn()
	if err != nil {
		exited(pidfd, -1)
		return
	}
	if rc.Read(func(fd uintptr) bool { return exited(int(fd), 0) }) != nil {
		_ = rc.Control(func(fd uintptr) { exited(int(fd), -1) })
	}
}

// exited polls pidfd for up to timeout ms (-1: no limit) and reports
// whether the process has exited: a pidfd is readable from then on. An
// error poll(2) returns counts as exited, so that nobody waits forever.
func exited(pidfd, timeout int) bool {
	fds := []unix.PollFd{{Fd: int32(pidfd), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(fds, timeout)
		if !errors.Is(err, syscall.EINTR) {
			return err != nil || n > 0
		}
	}
}
