package health

import (
	"context"
	"errors"
	"fmt"

	"github.com/vigilhq/vigil/watchdog/config"
)

// processChecker reports the service's process group RSS and open fds from
// the supervisor's GroupStats and fails above the configured limits.
type processChecker struct {
	cfg   config.ProcessCheck
	group GroupStats
}

var _ Checker = processChecker{}

func newProcess(cfg config.ProcessCheck, group GroupStats) (processChecker, error) {
	if group == nil {
		return processChecker{}, errors.New("process check needs the service's process group: pass Deps.Group (a supervisor bug if seen in use)")
	}
	if cfg.MaxRSS < 0 || cfg.MaxFDs < 0 {
		return processChecker{}, errors.New("process.max_rss and process.max_fds must be >= 0 (0 reports only)")
	}
	return processChecker{cfg: cfg, group: group}, nil
}

// Check reads the group's stats and compares them to MaxRSS and MaxFDs.
func (p processChecker) Check(ctx context.Context) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	rss, fds, err := p.group.Stats()
	if err != nil {
		return "", fmt.Errorf("read process group stats: %w", err)
	}
	detail := fmt.Sprintf("rss %s fds %d", mib(rss), fds)
	var over []string
	if p.cfg.MaxRSS > 0 && rss > int64(p.cfg.MaxRSS) {
		over = append(over, fmt.Sprintf("rss %s above max_rss %s", mib(rss), p.cfg.MaxRSS))
	}
	if p.cfg.MaxFDs > 0 && fds > p.cfg.MaxFDs {
		over = append(over, fmt.Sprintf("%d open fds above max_fds %d", fds, p.cfg.MaxFDs))
	}
	switch len(over) {
	case 0:
		return detail, nil
	case 1:
		return detail, errors.New(over[0])
	default:
		return detail, errors.New(over[0] + "; " + over[1])
	}
}

// mib formats bytes as "12.3MiB".
func mib(b int64) string {
	return fmt.Sprintf("%.1fMiB", float64(b)/(1<<20))
}
