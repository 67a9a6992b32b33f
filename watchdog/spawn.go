package watchdog

import (
	"os"

	"github.com/vigilhq/vigil/watchdog/config"
	"github.com/vigilhq/vigil/watchdog/logs"
	"github.com/vigilhq/vigil/watchdog/proc"
)

// ShimArg marks a watchdog process started as the exec shim for a service
// that receives sockets (see ExecShim).
const ShimArg = proc.ShimArg

// ExecShim must be called first thing in main (and in TestMain of tests that
// supervise socket-activated services); see proc.ExecShim. It returns at
// once unless this process was started as a service's exec shim.
func ExecShim() { proc.ExecShim() }

// spawn starts cfg's command in a new process group with its output appended
// to logPath; sockets are handed over from fd 3 on through shim.
func spawn(cfg *config.Service, logPath string, env []string, sockets *proc.Sockets, shim string) (*proc.Process, error) {
	if len(cfg.Command) == 0 {
		return nil, proc.ErrNoCommand
	}
	argv := cfg.Command
	if cfg.Shell {
		argv = []string{"/bin/sh", "-c", cfg.Command[0]}
	}
	out, err := logs.Open(logPath)
	if err != nil {
		return nil, err
	}
	defer out.Close() // the child holds its own descriptor
	return proc.Spawn(proc.Spec{
		Argv: argv, Dir: cfg.Dir, Env: env, User: cfg.User, Group: cfg.Group,
		Output: out, ExtraFiles: sockets.List(), Shim: shim,
	})
}

// bindSockets binds cfg's sockets. Names default to the service's name.
func bindSockets(cfg *config.Service) (*proc.Sockets, error) {
	list := make([]proc.Socket, len(cfg.Sockets))
	for i, sc := range cfg.Sockets {
		list[i] = proc.Socket{Name: sc.Name, Listen: sc.Listen}
		if list[i].Name == "" {
			list[i].Name = cfg.Name
		}
	}
	return proc.BindSockets(list)
}

// environ is the environment of the service's process.
func (s *service) environ() []string {
	env := append(append(os.Environ(), s.cfg.Environ()...), s.sockets.Env()...)
	return append(append(env, s.marker()...), EnvServiceConfig+"="+s.cfgHash)
}
