package watchdog

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"time"

	"github.com/vigilhq/vigil/watchdog/config"
)

// stateVersion is the state file's format version.
const stateVersion = 1

// savedState is what the watchdog persists (api.state_file) on every process
// change so that a new watchdog can adopt services that outlived a crash.
type savedState struct {
	Version     int                     `json:"version"`
	WatchdogPID int                     `json:"watchdog_pid"`
	Saved       time.Time               `json:"saved"`
	Services    map[string]savedProcess `json:"services"`
}

// savedProcess identifies a running service process. PID plus StartTicks
// (its start time since boot) never match a reused pid.
type savedProcess struct {
	PID        int       `json:"pid"`
	PGID       int       `json:"pgid"`
	StartTicks uint64    `json:"start_ticks"`
	StartedAt  time.Time `json:"started_at"`
	ConfigHash string    `json:"config_hash"`
	// Sockets is how many handed-over sockets the process holds from fd 3 on.
	Sockets int `json:"sockets,omitempty"`
}

var lineField = regexp.MustCompile(`"Line":\d+,?`)

// configHash fingerprints a service's configuration (line numbers aside,
// env_file values included only as a digest).
func configHash(c *config.Service) string {
	b, _ := json.Marshal(c)
	h := sha256.New()
	h.Write(lineField.ReplaceAll(b, nil))
	keys := make([]string, 0, len(c.SecretEnv))
	for k := range c.SecretEnv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(h, "\x00%s=%s", k, c.SecretEnv[k])
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// loadState reads the state file; a missing file is an empty state.
func loadState(path string) (savedState, error) {
	st := savedState{Services: map[string]savedProcess{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) || path == "" {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("read state %s: %w", path, err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return savedState{Services: map[string]savedProcess{}}, fmt.Errorf("state %s is corrupt (%v): ignoring it", path, err)
	}
	if st.Version != stateVersion {
		return savedState{Services: map[string]savedProcess{}}, fmt.Errorf("state %s has version %d, want %d: ignoring it", path, st.Version, stateVersion)
	}
	if st.Services == nil {
		st.Services = map[string]savedProcess{}
	}
	return st, nil
}

// writeState replaces the state file atomically (temp file, fsync, rename).
func writeState(path string, st savedState) error {
	if path == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".vigil-state-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// persist writes every service's current process to the state file.
func (s *Supervisor) persist() {
	s.persistMu.Lock()
	defer s.persistMu.Unlock()
	s.mu.RLock()
	path := s.cfg.API.StateFile
	st := savedState{Version: stateVersion, WatchdogPID: os.Getpid(), Saved: time.Now(), Services: map[string]savedProcess{}}
	for name, svc := range s.services {
		svc.mu.Lock()
		if svc.saved.PID != 0 {
			st.Services[name] = svc.saved
		}
		svc.mu.Unlock()
	}
	s.mu.RUnlock()
	if err := writeState(path, st); err != nil {
		s.log.Error("persist state failed: after a watchdog restart, running services are found by their environment marker instead", "path", path, "err", err)
	}
}
