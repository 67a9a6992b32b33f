package install

import (
	"fmt"
	"net"
	"regexp"
	"slices"
	"strconv"

	"github.com/vigilhq/vigil/watchdog/config"
)

// Capabilities the watchdog may keep, each only when the config uses the
// feature that needs it (docs/operations.md, "Capabilities"). Everything else
// is dropped from the bounding set, for the watchdog and every service it
// starts.
const (
	capSetUID   = "CAP_SETUID"           // user: — switch a service to its user
	capSetGID   = "CAP_SETGID"           // user:, group: — setgid and setgroups
	capKill     = "CAP_KILL"             // signal services running as another user; kill-holder
	capPtrace   = "CAP_SYS_PTRACE"       // /proc/PID/fd of another user's process (port holder, fd count); pidfd_getfd of an adopted service's sockets
	capBindLow  = "CAP_NET_BIND_SERVICE" // a socket, api.listen or root service port below 1024
	lowPortEdge = 1024
)

var capName = regexp.MustCompile(`^CAP_[A-Z_]+$`)

// capabilities returns the bounding set cfg needs plus extra, sorted.
func capabilities(cfg *config.Config, extra []string) ([]string, error) {
	set := map[string]bool{}
	if low(cfg.API.Listen) {
		set[capBindLow] = true
	}
	for _, s := range cfg.Services {
		if s.User != "" {
			set[capSetUID], set[capSetGID], set[capKill] = true, true, true
		}
		if s.Group != "" {
			set[capSetGID] = true
		}
		if s.PortConflict == config.PortKillHolder {
			set[capKill], set[capPtrace] = true, true
		}
		if len(s.Sockets) > 0 {
			// After a watchdog crash the new one takes the adopted
			// process's sockets back with pidfd_getfd, a ptrace-attach
			// check: another user's process, or Yama ptrace_scope >= 1.
			set[capPtrace] = true
		}
		for _, sock := range s.Sockets {
			if low(sock.Listen) {
				set[capBindLow] = true
			}
		}
		for _, p := range s.Ports {
			if p < lowPortEdge && s.User == "" {
				set[capBindLow] = true // a root service binds it itself
			}
		}
		if s.User != "" && countsFDs(s) {
			set[capPtrace] = true
		}
	}
	for _, c := range extra {
		if !capName.MatchString(c) {
			return nil, fmt.Errorf("capability %q: write it like CAP_NET_RAW", c)
		}
		set[c] = true
	}
	out := make([]string, 0, len(set))
	for c := range set {
		out = append(out, c)
	}
	slices.Sort(out)
	return out, nil
}

// low reports whether a host:port listen address uses a privileged port.
func low(addr string) bool {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	n, err := strconv.Atoi(port)
	return err == nil && n > 0 && n < lowPortEdge
}

// countsFDs reports whether a process check of s limits open fds.
func countsFDs(s *config.Service) bool {
	for _, c := range append(slices.Clone(s.Health.Liveness), s.Health.Readiness...) {
		if c.Process != nil && c.Process.MaxFDs > 0 {
			return true
		}
	}
	return false
}
