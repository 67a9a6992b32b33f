package watchdog

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vigilhq/vigil/watchdog/config"
	"github.com/vigilhq/vigil/watchdog/proc"
)

// resolvePorts checks the declared ports and, under port_conflict:
// kill-holder, kills their holders. It returns the holders left, nil when
// the start may proceed.
func (s *service) resolvePorts(ctx context.Context) []PortHolder {
	holders := s.foreignHolders()
	if len(holders) == 0 {
		if len(s.holders) > 0 {
			s.publish(Event{Kind: EventPortConflict, Recovered: true, Reason: "ports free again"})
			s.holders = nil
		}
		return nil
	}
	s.reportConflict(holders)
	if s.cfg.PortConflict == config.PortKillHolder && s.killHolders(ctx, holders) {
		return nil
	}
	return holders
}

// foreignHolders lists holders of declared ports outside our own process group.
func (s *service) foreignHolders() []PortHolder {
	ports := s.checkedPorts()
	if len(ports) == 0 {
		return nil
	}
	var out []PortHolder
	for _, h := range proc.PortHolders(ports) {
		if h.PID == os.Getpid() {
			continue // a socket we bound for the service (sockets:)
		}
		if h.PID != 0 && s.proc != nil {
			if st, err := proc.ReadStat(h.PID); err == nil && st.PGID == s.proc.PGID {
				continue
			}
		}
		out = append(out, PortHolder{Port: h.Port, PID: h.PID, Command: h.Command})
	}
	return out
}

// checkedPorts are the declared ports minus those of sockets the watchdog
// binds itself (sockets:), which it holds on the service's behalf.
func (s *service) checkedPorts() []int {
	own := map[string]bool{}
	for _, sc := range s.cfg.Sockets {
		if _, port, err := net.SplitHostPort(sc.Listen); err == nil {
			own[port] = true
		}
	}
	out := make([]int, 0, len(s.cfg.Ports))
	for _, p := range s.cfg.Ports {
		if !own[strconv.Itoa(p)] {
			out = append(out, p)
		}
	}
	return out
}

func describeHolders(hs []PortHolder) string {
	parts := make([]string, len(hs))
	for i, h := range hs {
		parts[i] = proc.Holder{Port: h.Port, PID: h.PID, Command: h.Command}.String()
	}
	return strings.Join(parts, "; ")
}

// reportConflict emits a port_conflict event when the holders changed.
func (s *service) reportConflict(holders []PortHolder) {
	s.mu.Lock()
	s.snap.Holders = holders
	s.mu.Unlock()
	if fmt.Sprint(holders) == fmt.Sprint(s.holders) {
		return
	}
	s.holders = holders
	for i := range holders {
		h := holders[i]
		s.publish(Event{Kind: EventPortConflict, Severity: SeverityCritical, PID: h.PID, Holder: &h,
			Reason: proc.Holder{Port: h.Port, PID: h.PID, Command: h.Command}.String() + fmt.Sprintf(" (port_conflict: %s)", s.cfg.PortConflict)})
		s.log.Warn("port conflict", "port", h.Port, "holder_pid", h.PID, "holder", h.Command, "policy", s.cfg.PortConflict)
	}
}

// killHolders terminates the holders (never ourselves or pid 1) and waits up
// to the stop timeout for the ports to be free.
func (s *service) killHolders(ctx context.Context, holders []PortHolder) bool {
	s.busyFor(s.cfg.Stop.Timeout + 5*time.Second)
	defer s.busyFor(0)
	for _, h := range holders {
		if h.PID <= 1 || h.PID == os.Getpid() {
			return false
		}
		s.log.Warn("killing port holder", "port", h.Port, "holder_pid", h.PID, "holder", h.Command)
		_ = syscall.Kill(h.PID, syscall.SIGTERM)
		_ = syscall.Kill(h.PID, syscall.SIGCONT)
	}
	deadline := time.Now().Add(s.cfg.Stop.Timeout)
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for len(s.foreignHolders()) > 0 {
		if time.Now().After(deadline) {
			for _, h := range s.foreignHolders() {
				if h.PID > 1 {
					_ = syscall.Kill(h.PID, syscall.SIGKILL)
				}
			}
		}
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
		if time.Now().After(deadline.Add(2 * time.Second)) {
			return false
		}
	}
	return true
}
