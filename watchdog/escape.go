package watchdog

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/vigilhq/vigil/watchdog/config"
	"github.com/vigilhq/vigil/watchdog/proc"
)

// Environment markers the watchdog sets on every service it starts. They are
// inherited by whatever the service starts, survive setsid and double forks,
// and are read back from /proc/PID/environ to find a service's processes: to
// stop all of them, and to adopt a running service after a watchdog restart
// when the state file could not be written (disk full).
const (
	EnvInstance      = "VIGIL_INSTANCE"       // instanceID: which watchdog configuration
	EnvService       = "VIGIL_SERVICE"        // the service's name
	EnvServiceConfig = "VIGIL_SERVICE_CONFIG" // configHash of the service when started
)

// Escape handling mechanisms, reported by Status.EscapeHandling.
const (
	// EscapeSubreaper: the watchdog is a child subreaper and stops every
	// process carrying the service's markers, its group and descendants.
	EscapeSubreaper = "subreaper"
	// EscapeGroup: PR_SET_CHILD_SUBREAPER failed; marked processes are still
	// stopped, but orphans are re-parented to init, which reaps them.
	EscapeGroup = "process-group+marker"
)

// instanceID names a watchdog configuration by its state file: stable across
// watchdog restarts, distinct for two configurations on one host.
func instanceID(cfg *config.Config) string {
	sum := sha256.Sum256([]byte(cfg.API.StateFile))
	return hex.EncodeToString(sum[:])[:12]
}

// marker is the environment that identifies this service's processes.
func (s *service) marker() []string {
	return []string{EnvInstance + "=" + s.sup.instance, EnvService + "=" + s.name}
}

// tree is everything found of one service's process tree while it is
// stopped: pids with their start ticks, so a reused pid is never signalled.
type tree struct {
	root, pgid int
	marker     []string
	seen       map[int]uint64
}

func (s *service) tree(p *process) *tree {
	return &tree{root: p.pid, pgid: p.pgid, marker: s.marker(), seen: map[int]uint64{}}
}

// scan walks /proc for the tree's processes, remembers them and returns
// those alive.
func (t *tree) scan() []int {
	for _, st := range proc.Tree(t.root, t.pgid, t.marker) {
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
		if alive, _ := proc.Same(pid, ticks); alive {
			out = append(out, pid)
		}
	}
	return out
}

// signal sends sig to the group and to every remembered live process, so
// a descendant outside the group (setsid) gets it too.
func (t *tree) signal(sig syscall.Signal) {
	_ = proc.SignalGroup(t.pgid, sig)
	for _, pid := range t.live() {
		_ = syscall.Kill(pid, sig)
	}
}

// waitGone polls until no remembered process is alive or ctx ends, then
// scans once more for any forked meanwhile; it returns those alive.
func (t *tree) waitGone(ctx context.Context) []int {
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

// reap collects the remembered zombies re-parented to the watchdog; root
// is os/exec's to wait for.
func (t *tree) reap() {
	for pid, ticks := range t.seen {
		if pid != t.root {
			proc.ReapChild(pid, ticks)
		}
	}
}

// reapTree makes sure nothing of the service outlives its main process p:
// group members, descendants and marked processes still present get the
// stop signal, the grace period, then SIGKILL; survivors are reported and
// re-parented zombies reaped. t holds what was found earlier (may be nil).
func (s *service) reapTree(p *process, t *tree, grace time.Duration) {
	if t == nil {
		t = s.tree(p)
	}
	s.busyFor(grace + 7*time.Second)
	defer s.busyFor(0)
	defer t.reap()
	if len(t.scan()) == 0 {
		return
	}
	t.signal(parseSignal(s.cfg.Stop.Signal))
	t.signal(syscall.SIGCONT)
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	left := t.waitGone(ctx)
	cancel()
	for try := 0; len(left) > 0 && try < 3; try++ {
		t.signal(syscall.SIGKILL)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		left = t.waitGone(ctx)
		cancel()
	}
	if len(left) > 0 {
		reason := fmt.Sprintf("process group %d: pids %v survived SIGKILL", p.pgid, left)
		s.publish(Event{Kind: EventOrphans, Severity: SeverityCritical, Reason: reason})
		s.log.Error("orphans survived", "pgid", p.pgid, "pids", left)
	}
}

// reapOrphans collects the zombies re-parented to the watchdog (as child
// subreaper) by services' descendants that exited while their service
// runs. mains are the services' current main pids: os/exec waits for those.
// The watchdog's other children (exec checks and alerts) are in its session
// and lead their own group or share the watchdog's; a re-parented orphan
// left the session (setsid) or sits in a service's group without leading it.
func reapOrphans(mains map[int]bool) {
	pgid, sid := unix.Getpgrp(), sessionID()
	for _, st := range proc.Children() {
		if st.State != 'Z' || mains[st.PID] {
			continue
		}
		if st.Session != sid || (st.PID != st.PGID && st.PGID != pgid) {
			proc.ReapChild(st.PID, st.StartTime)
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
