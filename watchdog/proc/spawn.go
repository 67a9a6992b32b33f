package proc

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Process is one running instance of a service: spawned by Spawn, or
// adopted by Adopt after a watchdog restart. Done receives exactly one Exit;
// whoever holds the Process reads it.
type Process struct {
	PID     int
	PGID    int
	Started time.Time
	Ticks   uint64 // start time in clock ticks: PID+Ticks identify the process
	Done    chan Exit
}

// Exit describes how a process ended.
type Exit struct {
	At     time.Time
	Code   int    // -1 when killed by a signal
	Signal string // signal name when killed by one
	Err    error  // wait error other than a non-zero exit
	// Unknown is set for adopted processes: not our children, their exit
	// status cannot be read.
	Unknown bool
}

func (e Exit) String() string {
	if e.Unknown {
		return "exited (status unknown: adopted process)"
	}
	if e.Signal != "" {
		return "killed by " + e.Signal
	}
	return fmt.Sprintf("exit code %d", e.Code)
}

// ErrNoCommand is Spawn's answer to an empty Argv.
var ErrNoCommand = errors.New("no command: set command: [\"/path/to/bin\", \"arg\"]")

// Spec is what Spawn starts.
type Spec struct {
	Argv []string
	Dir  string
	Env  []string
	// User and Group drop privileges when the caller may (see Credential).
	User, Group string
	// Output receives stdout and stderr; the child holds its own descriptor.
	Output *os.File
	// ExtraFiles are inherited from fd 3 on (socket hand-over). With them,
	// Argv runs through Shim (see ExecShim) so the service sees LISTEN_PID
	// equal to its own pid.
	ExtraFiles []*os.File
	Shim       string
}

// Spawn starts spec in a new process group. A goroutine waits for the
// process and sends its Exit on Done; it ends when the process does. It
// waits on the runtime's poller (awaitExit), so an idle service holds no OS
// thread, then reaps the zombie.
func Spawn(spec Spec) (*Process, error) {
	if len(spec.Argv) == 0 {
		return nil, ErrNoCommand
	}
	argv := spec.Argv
	if len(spec.ExtraFiles) > 0 {
		argv = append([]string{spec.Shim, ShimArg}, argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = spec.Dir
	cmd.Env = spec.Env
	var out io.Writer
	if spec.Output != nil {
		out = spec.Output
	}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.ExtraFiles = spec.ExtraFiles
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if cred, err := Credential(spec.User, spec.Group); err != nil {
		return nil, err
	} else if cred != nil {
		cmd.SysProcAttr.Credential = cred
	}
	if err := cmd.Start(); err != nil {
		if errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ENOTDIR) {
			// chdir and exec both fail this way: say which it was.
			if st, serr := os.Stat(spec.Dir); serr != nil || !st.IsDir() {
				return nil, fmt.Errorf("working dir %s does not exist or is not a directory: create it or fix dir: in the config", spec.Dir)
			}
		}
		if errors.Is(err, syscall.EACCES) && cmd.SysProcAttr.Credential != nil {
			return nil, fmt.Errorf("exec %s as user %q: %w: that user must be able to enter dir %s and execute the command", argv[0], spec.User, err, spec.Dir)
		}
		return nil, fmt.Errorf("exec %s: %w", argv[0], err)
	}
	p := &Process{PID: cmd.Process.Pid, PGID: cmd.Process.Pid, Started: time.Now(), Done: make(chan Exit, 1)}
	p.Ticks, _ = StartTime(p.PID)
	go func() {
		// Our child stays a zombie until reaped, so the pidfd cannot name
		// another process; without one, cmd.Wait blocks as it always did.
		if pidfd, err := unix.PidfdOpen(p.PID, unix.PIDFD_NONBLOCK); err == nil {
			awaitExit(pidfd)
		}
		p.Done <- waitExit(cmd)
	}()
	return p, nil
}

func waitExit(cmd *exec.Cmd) Exit {
	err := cmd.Wait()
	ex := Exit{At: time.Now(), Code: cmd.ProcessState.ExitCode()}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		ex.Code, ex.Signal = -1, SignalName(ws.Signal())
	}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		ex.Err = err
	}
	return ex
}

// Credential resolves user/group to drop privileges; nil when not root (nor
// holding CAP_SETUID) or unset.
func Credential(userName, groupName string) (*syscall.Credential, error) {
	if userName == "" && groupName == "" {
		return nil, nil
	}
	if os.Geteuid() != 0 && !HasCapability(CapSetUID) {
		return nil, nil // cannot switch; run as ourselves (documented)
	}
	cred := &syscall.Credential{Uid: uint32(os.Getuid()), Gid: uint32(os.Getgid())}
	if userName != "" {
		u, err := user.Lookup(userName)
		if err != nil {
			return nil, fmt.Errorf("user %q: %w: create it or fix user:", userName, err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred.Uid, cred.Gid = uint32(uid), uint32(gid)
		if gids, err := u.GroupIds(); err == nil {
			for _, g := range gids {
				if n, err := strconv.Atoi(g); err == nil {
					cred.Groups = append(cred.Groups, uint32(n))
				}
			}
		}
	}
	if groupName != "" {
		g, err := user.LookupGroup(groupName)
		if err != nil {
			return nil, fmt.Errorf("group %q: %w: create it or fix group:", groupName, err)
		}
		gid, _ := strconv.Atoi(g.Gid)
		cred.Gid = uint32(gid)
	}
	return cred, nil
}

var signalNames = map[syscall.Signal]string{
	syscall.SIGHUP: "SIGHUP", syscall.SIGINT: "SIGINT", syscall.SIGQUIT: "SIGQUIT",
	syscall.SIGKILL: "SIGKILL", syscall.SIGTERM: "SIGTERM", syscall.SIGUSR1: "SIGUSR1",
	syscall.SIGUSR2: "SIGUSR2", syscall.SIGABRT: "SIGABRT", syscall.SIGSEGV: "SIGSEGV",
	syscall.SIGPIPE: "SIGPIPE", syscall.SIGBUS: "SIGBUS", syscall.SIGSTOP: "SIGSTOP",
}

// SignalName names s ("SIGTERM"), or "signal N" for one without a name here.
func SignalName(s syscall.Signal) string {
	if n, ok := signalNames[s]; ok {
		return n
	}
	return fmt.Sprintf("signal %d", int(s))
}

// ParseSignal maps "SIGTERM", "TERM" or "15" to a signal; default SIGTERM.
func ParseSignal(s string) syscall.Signal {
	if s == "" {
		return syscall.SIGTERM
	}
	if n, err := strconv.Atoi(s); err == nil {
		return syscall.Signal(n)
	}
	for sig, name := range signalNames {
		if name == s || name == "SIG"+s {
			return sig
		}
	}
	return syscall.SIGTERM
}
