package watchdog

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"syscall"
	"time"

	"github.com/vigilhq/vigil/watchdog/config"
	"github.com/vigilhq/vigil/watchdog/logs"
	"github.com/vigilhq/vigil/watchdog/proc"
)

// process is one running instance of a service: spawned by us, or adopted
// after a watchdog restart. done receives exactly one exitInfo.
type process struct {
	pid     int
	pgid    int
	started time.Time
	ticks   uint64 // start time in clock ticks: pid+ticks identify the process
	done    chan exitInfo
}

// exitInfo describes how a process ended.
type exitInfo struct {
	at     time.Time
	code   int    // -1 when killed by a signal
	signal string // signal name when killed by one
	err    error  // wait error other than a non-zero exit
	// unknown is set for adopted processes: not our children, their exit
	// status cannot be read.
	unknown bool
}

func (e exitInfo) String() string {
	if e.unknown {
		return "exited (status unknown: adopted process)"
	}
	if e.signal != "" {
		return "killed by " + e.signal
	}
	return fmt.Sprintf("exit code %d", e.code)
}

// spawn starts cfg's command in a new process group with its output appended
// to logPath. extraFiles are inherited from fd 3 on (socket hand-over).
// With extraFiles, argv runs through shim (ExecShim) so the service sees
// LISTEN_PID equal to its own pid.
func spawn(cfg *config.Service, logPath string, env []string, extraFiles []*os.File, shim string) (*process, error) {
	if len(cfg.Command) == 0 {
		return nil, errors.New("no command: set command: [\"/path/to/bin\", \"arg\"]")
	}
	argv := cfg.Command
	if cfg.Shell {
		argv = []string{"/bin/sh", "-c", cfg.Command[0]}
	}
	if len(extraFiles) > 0 {
		argv = append([]string{shim, ShimArg}, argv...)
	}
	out, err := logs.Open(logPath)
	if err != nil {
		return nil, err
	}
	defer out.Close() // the child holds its own descriptor

	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = cfg.Dir
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = out, out
	cmd.ExtraFiles = extraFiles
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if cred, err := credential(cfg.User, cfg.Group); err != nil {
		return nil, err
	} else if cred != nil {
		cmd.SysProcAttr.Credential = cred
	}
	if err := cmd.Start(); err != nil {
		if errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ENOTDIR) {
			// chdir and exec both fail this way: say which it was.
			if st, serr := os.Stat(cfg.Dir); serr != nil || !st.IsDir() {
				return nil, fmt.Errorf("working dir %s does not exist or is not a directory: create it or fix dir: in the config", cfg.Dir)
			}
		}
		if errors.Is(err, syscall.EACCES) && cmd.SysProcAttr.Credential != nil {
			return nil, fmt.Errorf("exec %s as user %q: %w: that user must be able to enter dir %s and execute the command", argv[0], cfg.User, err, cfg.Dir)
		}
		return nil, fmt.Errorf("exec %s: %w", argv[0], err)
	}
	p := &process{pid: cmd.Process.Pid, pgid: cmd.Process.Pid, started: time.Now(), done: make(chan exitInfo, 1)}
	p.ticks, _ = proc.StartTime(p.pid)
	go func() { p.done <- waitExit(cmd) }()
	return p, nil
}

func waitExit(cmd *exec.Cmd) exitInfo {
	err := cmd.Wait()
	ex := exitInfo{at: time.Now(), code: cmd.ProcessState.ExitCode()}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		ex.code, ex.signal = -1, signalName(ws.Signal())
	}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		ex.err = err
	}
	return ex
}

// credential resolves user/group to drop privileges; nil when not root or unset.
func credential(userName, groupName string) (*syscall.Credential, error) {
	if userName == "" && groupName == "" {
		return nil, nil
	}
	if os.Geteuid() != 0 && !proc.HasCapability(proc.CapSetUID) {
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

func signalName(s syscall.Signal) string {
	if n, ok := signalNames[s]; ok {
		return n
	}
	return fmt.Sprintf("signal %d", int(s))
}

// parseSignal maps "SIGTERM", "TERM" or "15" to a signal; default SIGTERM.
func parseSignal(s string) syscall.Signal {
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
