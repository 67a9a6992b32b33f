package proc

import (
	"context"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Group names one service's process tree: its main process Root (0 when
// unknown), its process group PGID (0 when unknown) and the environment
// Marker every process it started inherits (see Tree).
type Group struct {
	Root, PGID int
	Marker     []string
}

// Stopped is what StopGroup did.
type Stopped struct {
	Killed    bool  // the grace period ended with processes left: SIGKILL was sent
	Survivors []int // pids alive after three rounds of SIGKILL
}

// killWait bounds each round of SIGKILL.
const killWait = 2 * time.Second

// StopGroup stops everything of g still running — group members,
// descendants of Root and marked processes, found before the first signal
// so a descendant that left the group (setsid) gets it too: sig (plus
// SIGCONT, so a SIGSTOPped process can act on it), up to grace for all of
// them to exit, then SIGKILL, up to three times. It reaps the zombies
// re-parented to the caller (as child subreaper); Root is left for whoever
// waits for it (os/exec, an adoption's pidfd). It returns within about
// grace + 3×killWait, and at once when nothing runs.
func StopGroup(g Group, sig syscall.Signal, grace time.Duration) Stopped {
	t := &tree{Group: g, seen: map[int]uint64{}}
	defer t.reap()
	if len(t.scan()) == 0 {
		return Stopped{}
	}
	t.signal(sig)
	t.signal(syscall.SIGCONT)
	var out Stopped
	left := t.waitGone(grace)
	for try := 0; len(left) > 0 && try < 3; try++ {
		out.Killed = true
		t.signal(syscall.SIGKILL)
		left = t.waitGone(killWait)
	}
	out.Survivors = left
	return out
}

// Running lists the live processes of g (see Tree).
func Running(g Group) []int {
	return (&tree{Group: g, seen: map[int]uint64{}}).scan()
}

// tree is everything found of one group while it is stopped: pids with
// their start ticks, so a reused pid is never signalled.
type tree struct {
	Group
	seen map[int]uint64
}

// scan walks /proc for the tree's processes, remembers them and returns
// those alive.
func (t *tree) scan() []int {
	for _, st := range Tree(t.Root, t.PGID, t.Marker) {
		if st.PID > 1 {
			t.seen[st.PID] = st.StartTime
		}
	}
	return t.live()
}

// live lists the remembered processes still running (zombies hold nothing).
func (t *tree) live() []int {
	var out []int
	for pid, ticks := range t.seen {
		if alive, _ := Same(pid, ticks); alive {
			out = append(out, pid)
		}
	}
	return out
}

// signal sends sig to the group and to every remembered live process.
func (t *tree) signal(sig syscall.Signal) {
	if t.PGID > 1 {
		_ = SignalGroup(t.PGID, sig)
	}
	for _, pid := range t.live() {
		_ = syscall.Kill(pid, sig)
	}
}

// waitGone polls until no remembered process is alive or d has passed,
// then scans once more for any forked meanwhile; it returns those alive.
func (t *tree) waitGone(d time.Duration) []int {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for len(t.live()) > 0 {
		select {
		case <-ctx.Done():
			return t.scan()
		case <-tick.C:
		}
	}
	return t.scan()
}

// reap collects the remembered zombies re-parented to the caller; Root is
// someone else's to wait for.
func (t *tree) reap() {
	for pid, ticks := range t.seen {
		if pid != t.Root {
			ReapChild(pid, ticks)
		}
	}
}

// ReapOrphans collects the zombies re-parented to the caller (as child
// subreaper) by services' descendants that exited while their service
// runs. mains are the services' current main pids: os/exec waits for those.
// The caller's other children (exec checks and alerts) are in its session
// and lead their own group or share the caller's; a re-parented orphan left
// the session (setsid) or sits in a service's group without leading it.
func ReapOrphans(mains map[int]bool) {
	pgid, sid := unix.Getpgrp(), sessionID()
	for _, st := range Children() {
		if st.State != 'Z' || mains[st.PID] {
			continue
		}
		if st.Session != sid || (st.PID != st.PGID && st.PGID != pgid) {
			ReapChild(st.PID, st.StartTime)
		}
	}
}

func sessionID() int {
	sid, err := unix.Getsid(0)
	if err != nil {
		return -1
	}
	return sid
}
