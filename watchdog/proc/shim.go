package proc

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
)

// ShimArg marks a watchdog process started as the exec shim for a service
// that receives sockets (see ExecShim).
const ShimArg = "__vigil_exec"

// ExecShim must be called first thing in main (and in TestMain of tests that
// supervise socket-activated services). When this process was started as the
// watchdog's exec shim it sets LISTEN_PID to its own pid — which the
// supervisor cannot know before the fork, and which go-systemd's activation
// and sd_listen_fds(3) require — and replaces itself (same pid) with the
// service's command. Otherwise it returns at once.
func ExecShim() {
	if len(os.Args) < 3 || os.Args[1] != ShimArg {
		return
	}
	argv := os.Args[2:]
	path := argv[0]
	if !strings.Contains(path, "/") {
		p, err := exec.LookPath(path)
		if err != nil {
			fmt.Fprintf(os.Stderr, "vigil: %s: %v\n", path, err)
			os.Exit(127)
		}
		path = p
	}
	env := append(os.Environ(), "LISTEN_PID="+strconv.Itoa(os.Getpid()))
	err := syscall.Exec(path, argv, env)
	fmt.Fprintf(os.Stderr, "vigil: exec %s: %v\n", path, err)
	os.Exit(127)
}

// Socket is one listening socket to bind for a service.
type Socket struct {
	Name   string // LISTEN_FDNAMES entry
	Listen string // host:port
}

// Sockets is a service's listening sockets. The watchdog binds them once and
// keeps them open across the service's crashes and restarts, so clients
// queue in the backlog instead of being refused while it restarts. Its owner
// closes it. All methods are nil-safe.
type Sockets struct {
	Files []*os.File
	names []string
}

// BindSockets binds every socket of list, or none.
func BindSockets(list []Socket) (*Sockets, error) {
	ss := &Sockets{}
	for i, sc := range list {
		l, err := net.Listen("tcp", sc.Listen)
		if err != nil {
			ss.Close()
			return nil, fmt.Errorf("sockets[%d] %s: %w", i, sc.Listen, err)
		}
		f, err := l.(*net.TCPListener).File()
		l.Close() // f is a duplicate that stays open
		if err != nil {
			ss.Close()
			return nil, fmt.Errorf("sockets[%d] %s: %w", i, sc.Listen, err)
		}
		ss.Files = append(ss.Files, f)
		ss.names = append(ss.names, sc.Name)
	}
	return ss, nil
}

// Env returns the LISTEN_FDS protocol variables (LISTEN_PID is set by the shim).
func (ss *Sockets) Env() []string {
	if ss == nil || len(ss.Files) == 0 {
		return nil
	}
	return []string{"LISTEN_FDS=" + strconv.Itoa(len(ss.Files)), "LISTEN_FDNAMES=" + strings.Join(ss.names, ":")}
}

// List returns the files to hand over from fd 3 on (nil for a nil set).
func (ss *Sockets) List() []*os.File {
	if ss == nil {
		return nil
	}
	return ss.Files
}

// Close closes every socket.
func (ss *Sockets) Close() {
	if ss == nil {
		return
	}
	for _, f := range ss.Files {
		f.Close()
	}
	ss.Files, ss.names = nil, nil
}
