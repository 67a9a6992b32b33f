package watchdog

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/vigilhq/vigil/watchdog/config"
	"github.com/vigilhq/vigil/watchdog/proc"
)

// Environment markers the watchdog sets on every service it starts. They are
// inherited by whatever the service starts, survive setsid and double forks,
// and are read back from /proc/PID/environ to find a service's processes: to
// stop all of them, and to adopt a running service after a watchdog restart
// when the state file could not be written (disk full).
const (
	EnvInstance      = "VIGIL_INSTANCE"       // instanceID: which watchdog configuration
	EnvService       = "VIGIL_SERVICE"        // the service's name
	EnvServiceConfig = "VIGIL_SERVICE_CONFIG" // configHash of the service when started
)

// Escape handling mechanisms, reported by Status.EscapeHandling.
const (
	// EscapeSubreaper: the watchdog is a child subreaper and stops every
	// process carrying the service's markers, its group and descendants.
	EscapeSubreaper = "subreaper"
	// EscapeGroup: PR_SET_CHILD_SUBREAPER failed; marked processes are still
	// stopped, but orphans are re-parented to init, which reaps them.
	EscapeGroup = "process-group+marker"
)

// instanceID names a watchdog configuration by its state file: stable across
// watchdog restarts, distinct for two configurations on one host.
func instanceID(cfg *config.Config) string {
	sum := sha256.Sum256([]byte(cfg.API.StateFile))
	return hex.EncodeToString(sum[:])[:12]
}

// marker is the environment that identifies this service's processes.
func (s *service) marker() []string {
	return []string{EnvInstance + "=" + s.env.instance, EnvService + "=" + s.name}
}

// stopGroup stops what is left of the process tree g with the service's
// stop signal and grace period (proc.StopGroup) and reports survivors. The
// loop is marked busy meanwhile.
func (s *service) stopGroup(g proc.Group, grace time.Duration) proc.Stopped {
	s.busyFor(grace + 7*time.Second)
	defer s.busyFor(0)
	out := proc.StopGroup(g, proc.ParseSignal(s.cfg.Stop.Signal), grace)
	if len(out.Survivors) > 0 {
		reason := fmt.Sprintf("process group %d: pids %v survived SIGKILL", g.PGID, out.Survivors)
		s.publish(Event{Kind: EventOrphans, Severity: SeverityCritical, Reason: reason})
		s.log.Error("orphans survived", "pgid", g.PGID, "pids", out.Survivors)
	}
	return out
}

// group is the process tree of p (nil: only what carries the markers).
func (s *service) group(p *proc.Process) proc.Group {
	g := proc.Group{Marker: s.marker()}
	if p != nil {
		g.Root, g.PGID = p.PID, p.PGID
	}
	return g
}
