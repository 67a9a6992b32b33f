package health

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/vigilhq/vigil/watchdog/config"
)

// selfStats is a real GroupStats: this test process's RSS and open fds from /proc.
type selfStats struct{}

func (selfStats) Stats() (int64, int, error) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0, err
	}
	var rss int64
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			rss = kb << 10
		}
	}
	fds, err := os.ReadDir("/proc/self/fd")
	return rss, len(fds), err
}

type brokenStats struct{}

func (brokenStats) Stats() (int64, int, error) { return 0, 0, errors.New("group has no processes") }

func TestProcess(t *testing.T) {
	tests := []struct {
		name    string
		cfg     config.ProcessCheck
		group   GroupStats
		wantErr string
		detail  string
	}{
		{name: "report only", group: selfStats{}, detail: "MiB fds "},
		{name: "under limits", cfg: config.ProcessCheck{MaxRSS: 64 << 30, MaxFDs: 1 << 20}, group: selfStats{}},
		{name: "rss over", cfg: config.ProcessCheck{MaxRSS: 1 << 20}, group: selfStats{}, wantErr: "above max_rss 1MiB"},
		{name: "fds over", cfg: config.ProcessCheck{MaxFDs: 1}, group: selfStats{}, wantErr: "open fds above max_fds 1"},
		{name: "both over", cfg: config.ProcessCheck{MaxRSS: 1 << 20, MaxFDs: 1}, group: selfStats{}, wantErr: "max_rss 1MiB; "},
		{name: "stats error", group: brokenStats{}, wantErr: "read process group stats: group has no processes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			detail, err := runCheck(t, config.Check{Process: &tc.cfg}, Deps{Group: tc.group})
			checkOutcome(t, detail, err, tc.wantErr, tc.detail)
		})
	}
}

func TestMiB(t *testing.T) {
	if got := mib(12897484); got != "12.3MiB" {
		t.Errorf("mib(12897484) = %q, want 12.3MiB", got)
	}
}
