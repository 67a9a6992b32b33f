package watchdog

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"

	"github.com/vigilhq/vigil/watchdog/config"
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

// socketSet is a service's listening sockets. The watchdog binds them once
// and keeps them open across the service's crashes and restarts, so clients
// queue in the backlog instead of being refused while it restarts.
type socketSet struct {
	files []*os.File
	names []string
}

// bindSockets binds cfg's sockets. Names default to the service's name.
func bindSockets(cfg *config.Service) (*socketSet, error) {
	ss := &socketSet{}
	for i, sc := range cfg.Sockets {
		l, err := net.Listen("tcp", sc.Listen)
		if err != nil {
			ss.close()
			return nil, fmt.Errorf("sockets[%d] %s: %w", i, sc.Listen, err)
		}
		f, err := l.(*net.TCPListener).File()
		l.Close() // f is a duplicate that stays open
		if err != nil {
			ss.close()
			return nil, fmt.Errorf("sockets[%d] %s: %w", i, sc.Listen, err)
		}
		name := sc.Name
		if name == "" {
			name = cfg.Name
		}
		ss.files = append(ss.files, f)
		ss.names = append(ss.names, name)
	}
	return ss, nil
}

// env returns the LISTEN_FDS protocol variables (LISTEN_PID is set by the shim).
func (ss *socketSet) env() []string {
	if ss == nil || len(ss.files) == 0 {
		return nil
	}
	return []string{"LISTEN_FDS=" + strconv.Itoa(len(ss.files)), "LISTEN_FDNAMES=" + strings.Join(ss.names, ":")}
}

func (ss *socketSet) close() {
	if ss == nil {
		return
	}
	for _, f := range ss.files {
		f.Close()
	}
	ss.files, ss.names = nil, nil
}
