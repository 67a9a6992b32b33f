package proc

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Environ reports whether pid's environment (as it was at its exec) holds
// every key=value of marker. Reading another user's environment needs
// CAP_SYS_PTRACE; a zombie's reads empty.
func Environ(pid int, marker []string) bool {
	env := readEnviron(pid)
	for _, kv := range marker {
		k, v, _ := strings.Cut(kv, "=")
		if got, ok := env[k]; !ok || got != v {
			return false
		}
	}
	return len(env) > 0
}

// Getenv returns the value of key in pid's environment.
func Getenv(pid int, key string) (string, bool) {
	v, ok := readEnviron(pid)[key]
	return v, ok
}

func readEnviron(pid int) map[string]string {
	b, err := os.ReadFile(filepath.Join(ProcRoot, strconv.Itoa(pid), "environ"))
	if err != nil {
		return nil
	}
	env := map[string]string{}
	for _, kv := range bytes.Split(b, []byte{0}) {
		if k, v, ok := bytes.Cut(kv, []byte("=")); ok {
			env[string(k)] = string(v) // os/exec leaves one per key
		}
	}
	return env
}

// StartedAt converts a start time in clock ticks since boot (Stat.StartTime)
// to wall time, to the precision of a tick.
func StartedAt(ticks uint64) time.Time {
	b, err := os.ReadFile(filepath.Join(ProcRoot, "stat"))
	if err != nil {
		return time.Now()
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "btime "); ok {
			boot, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return time.Unix(boot, 0).Add(time.Duration(ticks) * time.Second / clockTicks)
		}
	}
	return time.Now()
}

// clockTicks is USER_HZ, the unit of /proc start times: 100 on every
// Linux architecture Go supports.
const clockTicks = 100

// Tree lists the processes, zombies included, that belong to a service
// whose main process is root in group pgid: the members of pgid, every
// descendant of root (through ppid), and every process whose environment
// holds marker — which finds a descendant that left the group (setsid) and
// was re-parented (double fork), and survives a watchdog restart. The
// caller's own process is never listed.
func Tree(root, pgid int, marker []string) []Stat {
	all := stats(nil)
	children := map[int][]int{}
	for _, st := range all {
		children[st.PPID] = append(children[st.PPID], st.PID)
	}
	in := map[int]bool{}
	if root > 1 {
		for queue := []int{root}; len(queue) > 0; queue = queue[1:] {
			in[queue[0]] = true
			queue = append(queue, children[queue[0]]...)
		}
	}
	var out []Stat
	for _, st := range all {
		if in[st.PID] || (pgid > 1 && st.PGID == pgid) || (len(marker) > 0 && Environ(st.PID, marker)) {
			out = append(out, st)
		}
	}
	return out
}

// Children lists the caller's children, zombies included.
func Children() []Stat {
	self := os.Getpid()
	return stats(func(st Stat) bool { return st.PPID == self })
}

// stats reads the stat of every process but the caller and keeps those
// keep accepts (nil: all).
func stats(keep func(Stat) bool) []Stat {
	self := os.Getpid()
	var out []Stat
	for _, pid := range pids() {
		if st, err := ReadStat(pid); err == nil && pid != self && (keep == nil || keep(st)) {
			out = append(out, st)
		}
	}
	return out
}

// Same reports whether pid still is the process that started at ticks
// (pid reuse never matches) and whether it is a zombie.
func Same(pid int, ticks uint64) (alive, zombie bool) {
	st, err := ReadStat(pid)
	if err != nil || st.StartTime != ticks {
		return false, false
	}
	return st.State != 'Z', st.State == 'Z'
}

// ReapChild collects pid if it is a zombie child of the caller that
// started at ticks: an orphan re-parented to the caller as child subreaper.
// Never call it for a child that os/exec (or anyone else) waits for.
func ReapChild(pid int, ticks uint64) bool {
	st, err := ReadStat(pid)
	if err != nil || st.StartTime != ticks || st.State != 'Z' || st.PPID != os.Getpid() {
		return false
	}
	var ws unix.WaitStatus
	got, err := unix.Wait4(pid, &ws, unix.WNOHANG, nil)
	return got == pid && err == nil
}

// BecomeSubreaper makes the caller a child subreaper: orphaned descendants
// are re-parented to it instead of to init, so it can find and kill them.
func BecomeSubreaper() error {
	err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
	if errors.Is(err, syscall.EINVAL) {
		return errors.New("kernel without PR_SET_CHILD_SUBREAPER")
	}
	return err
}
