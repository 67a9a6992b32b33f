package watchdog

import (
	"os"
	"os/signal"
	"time"

	"github.com/vigilhq/vigil/watchdog/proc"
	"golang.org/x/sys/unix"
)

// reapEvery bounds how often orphans are scanned for: every SIGCHLD (an
// exec check's exit too) would otherwise cost a scan, twenty a second with
// twenty 1 s exec checks. A scan reads every process's stat (the kernel's
// per-thread children lists may skip a child whose thread exits meanwhile,
// and a zombie missed would wait for the next SIGCHLD). It is the period of
// the sweep the scans replaced, so an orphan that exits amid exec checks is
// a zombie for no longer than it was then; one that exits after a quiet
// spell is reaped at once.
const reapEvery = 5 * time.Second

// orphanReaper collects the zombies of services' orphans, which come to the
// watchdog as child subreaper: on the SIGCHLD of their exit (signals
// coalesce; a scan reaps every zombie), at most once per reapEvery, a
// SIGCHLD within that time deferring the scan to its end. Nothing is
// scanned while no child changes state. The supervisor's loop owns it and
// selects on exited and due.
type orphanReaper struct {
	exited chan os.Signal
	due    <-chan time.Time // the deferred scan; nil when none is
	timer  *time.Timer
	every  time.Duration
	last   time.Time           // of the last scan after a SIGCHLD
	mains  func() map[int]bool // services' main pids: os/exec reaps those
}

func newOrphanReaper(mains func() map[int]bool, every time.Duration) *orphanReaper {
	r := &orphanReaper{exited: make(chan os.Signal, 1), mains: mains, every: every}
	signal.Notify(r.exited, unix.SIGCHLD)
	proc.ReapOrphans(mains()) // zombies from before the signal was watched
	return r
}

// stop stops watching SIGCHLD.
func (r *orphanReaper) stop() {
	signal.Stop(r.exited)
	if r.timer != nil {
		r.timer.Stop()
	}
}

// childExited handles a SIGCHLD: scan now, or at the end of the interval.
func (r *orphanReaper) childExited() {
	if r.due != nil {
		return // a scan is deferred already
	}
	wait := r.every - time.Since(r.last)
	if wait <= 0 {
		r.scan()
		return
	}
	if r.timer == nil {
		r.timer = time.NewTimer(wait)
	} else {
		r.timer.Reset(wait)
	}
	r.due = r.timer.C
}

// scan reaps every orphan zombie; the deferred scan, if any, is done.
func (r *orphanReaper) scan() {
	r.due = nil
	r.last = time.Now()
	proc.ReapOrphans(r.mains())
}
