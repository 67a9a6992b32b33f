// Package proc wraps the Linux process facts the supervisor needs: process
// groups (signal, wait until empty, members), resource use of a group read
// from /proc, process start times for safe adoption, and who holds a port.
package proc

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// ProcRoot is the procfs mount point. Tests never change it; it is a constant
// so that the package has no mutable state.
const ProcRoot = "/proc"

// SignalGroup sends sig to every member of process group pgid.
// It returns nil when the group no longer exists.
func SignalGroup(pgid int, sig syscall.Signal) error {
	if pgid <= 1 {
		return fmt.Errorf("refusing to signal process group %d", pgid)
	}
	err := syscall.Kill(-pgid, sig)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}

// Stat is the subset of /proc/<pid>/stat the supervisor uses.
type Stat struct {
	PID       int
	Comm      string
	State     byte // R, S, D, T (stopped), Z (zombie), ...
	PPID      int
	PGID      int
	Session   int
	StartTime uint64 // clock ticks since boot: with PID, identifies a process uniquely
	RSSPages  int64
}

// ReadStat parses /proc/<pid>/stat.
func ReadStat(pid int) (Stat, error) {
	b, err := os.ReadFile(filepath.Join(ProcRoot, strconv.Itoa(pid), "stat"))
	if err != nil {
		return Stat{}, err
	}
	return parseStat(pid, string(b))
}

func parseStat(pid int, s string) (Stat, error) {
	// comm is in parentheses and may hold spaces and parentheses: split on the last ')'.
	open, closing := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || closing < open {
		return Stat{}, fmt.Errorf("parse /proc/%d/stat: malformed", pid)
	}
	f := strings.Fields(s[closing+1:])
	// f[0] is field 3 (state); starttime is field 22, rss field 24.
	if len(f) < 22 {
		return Stat{}, fmt.Errorf("parse /proc/%d/stat: %d fields", pid, len(f))
	}
	st := Stat{PID: pid, Comm: s[open+1 : closing], State: f[0][0]}
	st.PPID, _ = strconv.Atoi(f[1])
	st.PGID, _ = strconv.Atoi(f[2])
	st.Session, _ = strconv.Atoi(f[3])
	st.StartTime, _ = strconv.ParseUint(f[19], 10, 64)
	st.RSSPages, _ = strconv.ParseInt(f[21], 10, 64)
	return st, nil
}

// pids lists the numeric entries of /proc.
func pids() []int {
	d, err := os.Open(ProcRoot)
	if err != nil {
		return nil
	}
	defer d.Close()
	names, _ := d.Readdirnames(-1)
	out := make([]int, 0, len(names))
	for _, n := range names {
		if pid, err := strconv.Atoi(n); err == nil {
			out = append(out, pid)
		}
	}
	return out
}

// GroupMembers lists the pids whose process group is pgid.
func GroupMembers(pgid int) []int {
	var out []int
	for _, pid := range pids() {
		if st, err := ReadStat(pid); err == nil && st.PGID == pgid {
			out = append(out, pid)
		}
	}
	return out
}

// liveMembers lists group members that are not zombies: a zombie whose
// parent is gone waits for init to reap it and holds nothing.
func liveMembers(pgid int) []int {
	var out []int
	for _, pid := range pids() {
		if st, err := ReadStat(pid); err == nil && st.PGID == pgid && st.State != 'Z' {
			out = append(out, pid)
		}
	}
	return out
}

// Usage is a process group's resource use.
type Usage struct {
	RSS   int64 // bytes, summed over members
	FDs   int   // open file descriptors, summed over members
	Procs int
}

// GroupUsage sums RSS and open fds over the members of pgid.
func GroupUsage(pgid int) (Usage, error) {
	page := int64(os.Getpagesize())
	var u Usage
	for _, pid := range pids() {
		st, err := ReadStat(pid)
		if err != nil || st.PGID != pgid {
			continue
		}
		u.Procs++
		u.RSS += st.RSSPages * page
		if ents, err := os.ReadDir(filepath.Join(ProcRoot, strconv.Itoa(pid), "fd")); err == nil {
			u.FDs += len(ents)
		}
	}
	if u.Procs == 0 {
		return u, fmt.Errorf("process group %d has no members", pgid)
	}
	return u, nil
}

// StartTime returns the start time of pid in clock ticks since boot.
func StartTime(pid int) (uint64, error) {
	st, err := ReadStat(pid)
	if err != nil {
		return 0, err
	}
	return st.StartTime, nil
}

// Cmdline returns pid's command line joined with spaces, or its comm.
func Cmdline(pid int) string {
	b, err := os.ReadFile(filepath.Join(ProcRoot, strconv.Itoa(pid), "cmdline"))
	if err == nil && len(b) > 0 {
		return strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " "))
	}
	if st, err := ReadStat(pid); err == nil {
		return st.Comm
	}
	return ""
}

// Capability numbers from linux/capability.h.
const (
	CapSetGID = 6
	CapSetUID = 7
)

// HasCapability reports whether this process holds capability bit cap in its
// effective set (a watchdog run as a system user with ambient capabilities).
func HasCapability(cap uint) bool {
	b, err := os.ReadFile(filepath.Join(ProcRoot, "self", "status"))
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "CapEff:"); ok {
			mask, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			return err == nil && mask&(1<<cap) != 0
		}
	}
	return false
}
