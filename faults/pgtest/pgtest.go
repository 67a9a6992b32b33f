// Package pgtest starts a real, throwaway PostgreSQL server from the host's
// binaries (initdb into a temporary directory) for tests and the local demo.
//
// With CI=true a missing binary fails the test; elsewhere it skips with a loud
// message naming the package to install.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vigilhq/vigil/faults/porttest"
)

// BinDir is where Debian installs PostgreSQL 15's server binaries.
const BinDir = "/usr/lib/postgresql/15/bin"

// ErrNoBinaries means initdb/postgres were not found.
var ErrNoBinaries = errors.New("postgres binaries not found in " + BinDir + " or PATH: install them with `apt-get install postgresql-15`")

// Server is one running postmaster. Start creates it; Stop or Kill ends it.
type Server struct {
	Dir  string // data directory
	Port int
	// DSN connects as the superuser "postgres" to database "postgres".
	DSN string

	bin  string
	cred *syscall.Credential
	cmd  *exec.Cmd
	done chan error
}

// FindBinaries returns the directory holding initdb and postgres.
func FindBinaries() (string, error) {
	if _, err := os.Stat(filepath.Join(BinDir, "postgres")); err == nil {
		return BinDir, nil
	}
	if p, err := exec.LookPath("postgres"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", ErrNoBinaries
}

// Start runs initdb in dir (if it holds no cluster yet) and starts postgres
// on a free loopback port. When the caller is root the server runs as the
// "postgres" user (initdb refuses root).
func Start(ctx context.Context, dir string) (*Server, error) {
	bin, err := FindBinaries()
	if err != nil {
		return nil, err
	}
	s := &Server{Dir: dir, bin: bin}
	if os.Geteuid() == 0 {
		if s.cred, err = unprivileged(); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	if s.cred != nil {
		if err := os.Chown(dir, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
			return nil, fmt.Errorf("pgtest: %w", err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "PG_VERSION")); err != nil {
		out, err := s.command(ctx, "initdb", "-D", dir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync").CombinedOutput()
		if err != nil {
			return nil, fmt.Errorf("pgtest: initdb: %w: %s", err, out)
		}
	}
	if s.Port, err = porttest.Pick(); err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	s.DSN = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", s.Port)
	return s, s.start(ctx)
}

// Restart starts the server again on the same directory and port after Stop or Kill.
func (s *Server) Restart(ctx context.Context) error { return s.start(ctx) }

func (s *Server) start(ctx context.Context) error {
	s.cmd = s.command(context.Background(), "postgres", "-D", s.Dir, "-p", strconv.Itoa(s.Port),
		"-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="+s.Dir,
		"-c", "max_connections=200", "-c", "fsync=on")
	logf, err := os.OpenFile(filepath.Join(s.Dir, "server.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	if err := s.cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("pgtest: start postgres: %w", err)
	}
	cmd, done := s.cmd, make(chan error, 1)
	s.done = done
	go func() { done <- cmd.Wait(); logf.Close() }()
	deadline := time.NewTimer(30 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.Port), time.Second)
		if err == nil {
			c.Close()
			if s.ready(ctx) {
				return nil
			}
		}
		select {
		case err := <-done:
			s.done = nil // consumed: Stop and Kill have nothing to wait for
			log, _ := os.ReadFile(filepath.Join(s.Dir, "server.log"))
			return fmt.Errorf("pgtest: postgres exited: %v: %s", err, log)
		case <-deadline.C:
			_ = s.Kill()
			return errors.New("pgtest: postgres not ready after 30s")
		case <-ctx.Done():
			_ = s.Kill()
			return ctx.Err()
		case <-tick.C:
		}
	}
}

func (s *Server) ready(ctx context.Context) bool {
	return s.command(ctx, "pg_isready", "-q", "-h", "127.0.0.1", "-p", strconv.Itoa(s.Port)).Run() == nil
}

// PID returns the postmaster's pid, or 0 when not running.
func (s *Server) PID() int {
	if s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// Stop shuts the server down fast (SIGINT) and waits for it.
func (s *Server) Stop() error { return s.signal(syscall.SIGINT) }

// Kill sends SIGKILL to the postmaster (crash; recovery runs on Restart) and
// then to its remaining backends.
func (s *Server) Kill() error { return s.signal(syscall.SIGKILL) }

func (s *Server) signal(sig syscall.Signal) error {
	if s.cmd == nil || s.done == nil {
		return nil
	}
	// Backends call setsid(), so they leave the postmaster's process group:
	// find them by parent before the postmaster goes.
	var children []int
	if sig == syscall.SIGKILL {
		children = childrenOf(s.cmd.Process.Pid)
	}
	_ = s.cmd.Process.Signal(sig)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	for _, pid := range children {
		// They outlive a killed postmaster and would hold its shared memory.
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	s.done = nil
	return nil
}

// childrenOf lists the pids whose parent is ppid.
func childrenOf(ppid int) []int {
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		st := string(b)
		if i := strings.LastIndexByte(st, ')'); i > 0 {
			if f := strings.Fields(st[i+1:]); len(f) > 1 && f[1] == strconv.Itoa(ppid) {
				out = append(out, pid)
			}
		}
	}
	return out
}

func (s *Server) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(s.bin, name), args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: s.cred}
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	return cmd
}

func unprivileged() (*syscall.Credential, error) {
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
	}
	return nil, errors.New("pgtest: running as root and no postgres or nobody user to run the server as")
}

// Require starts a server for t and stops it in t.Cleanup. Without the
// binaries it fails under CI=true and skips loudly otherwise.
func Require(t testing.TB) *Server {
	t.Helper()
	if _, err := FindBinaries(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PREREQUISITE MISSING (CI=true): %v", err)
		}
		t.Skipf("SKIPPING: %v", err)
	}
	dir, err := os.MkdirTemp("", "vigil-pg-")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Start(context.Background(), dir)
	if err != nil {
		os.RemoveAll(dir)
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = s.Stop()
		os.RemoveAll(dir)
	})
	return s
}
