package install

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/vigilhq/vigil/watchdog/config"
)

// layout is what a unit needs to know about where the watchdog reads and writes.
type layout struct {
	workDir   string   // the config file's directory
	writable  []string // absolute, sorted, none inside another
	readable  []string // everything else the watchdog or its services open
	underHome bool     // something lives under /home, /root or /run/user
}

// homeDirs are hidden by ProtectHome=yes.
var homeDirs = []string{"/home", "/root", "/run/user"}

// tmpDirs are replaced by PrivateTmp=yes.
var tmpDirs = []string{"/tmp", "/var/tmp"}

// newLayout collects the paths of cfg: logs, socket and state directories and
// file alert directories are writable; extra paths are added to them.
func newLayout(binary, cfgPath string, cfg *config.Config, extra []string) (layout, error) {
	l := layout{workDir: filepath.Dir(cfgPath), readable: []string{binary, cfgPath}}
	w := []string{cfg.Logs.Dir, dirOf(cfg.API.Socket), dirOf(cfg.API.StateFile)}
	for _, a := range cfg.Alerts {
		if a.File != nil {
			w = append(w, dirOf(a.File.Path))
		}
	}
	for _, p := range extra {
		if !filepath.IsAbs(p) {
			return layout{}, fmt.Errorf("read-write path %q is not absolute: systemd needs a full path", p)
		}
		w = append(w, filepath.Clean(p))
	}
	for _, name := range cfg.Order {
		s := cfg.Services[name]
		l.readable = append(l.readable, s.Dir, s.EnvFile)
		if len(s.Command) > 0 && filepath.IsAbs(s.Command[0]) {
			l.readable = append(l.readable, s.Command[0])
		}
	}
	l.writable = outermost(w)
	for _, p := range append(slices.Clone(l.writable), l.readable...) {
		if strings.ContainsAny(p, "\n\r\x00") {
			return layout{}, fmt.Errorf("path %q contains a newline or NUL: rename it", p)
		}
		if within(p, homeDirs) {
			l.underHome = true
		}
	}
	return l, nil
}

// privateTmpConflicts lists the paths PrivateTmp=yes would hide from the watchdog.
func (l layout) privateTmpConflicts() []string {
	var out []string
	for _, p := range append(slices.Clone(l.writable), l.readable...) {
		if within(p, tmpDirs) {
			out = append(out, p)
		}
	}
	return out
}

func dirOf(p string) string {
	if p == "" {
		return ""
	}
	return filepath.Dir(p)
}

// within reports whether p is one of roots or below one.
func within(p string, roots []string) bool {
	for _, r := range roots {
		if p == r || strings.HasPrefix(p, r+"/") {
			return true
		}
	}
	return false
}

// outermost sorts and deduplicates paths, dropping empty ones and those
// inside another listed path (its parent's entry already covers it).
func outermost(paths []string) []string {
	var in []string
	for _, p := range paths {
		if p != "" {
			in = append(in, filepath.Clean(p))
		}
	}
	slices.Sort(in)
	in = slices.Compact(in)
	var out []string
	for _, p := range in {
		if len(out) > 0 && within(p, out[len(out)-1:]) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// Stop budget: the watchdog stops dependents before their dependencies, each
// service for up to its stop.timeout, then SIGKILLs the group and checks it is
// gone; alerts flush and the state file is written last.
const (
	killGrace      = 5 * time.Second
	stopMargin     = 15 * time.Second
	minStopTimeout = 30 * time.Second
)

// stopBudget is how long a graceful stop of every service can take: the
// longest depends_on chain, weighting each service by its stop.timeout plus
// killGrace, plus stopMargin; at least minStopTimeout.
func stopBudget(cfg *config.Config) time.Duration {
	memo := map[string]time.Duration{}
	var chain func(name string, seen map[string]bool) time.Duration
	chain = func(name string, seen map[string]bool) time.Duration {
		s, ok := cfg.Services[name]
		if !ok || seen[name] {
			return 0 // unknown or a cycle: Validate reports those
		}
		if d, ok := memo[name]; ok {
			return d
		}
		seen[name] = true
		var longest time.Duration
		for dep := range s.DependsOn {
			longest = max(longest, chain(dep, seen))
		}
		delete(seen, name)
		memo[name] = s.Stop.Timeout + killGrace + longest
		return memo[name]
	}
	var total time.Duration
	for name := range cfg.Services {
		total = max(total, chain(name, map[string]bool{}))
	}
	return max(total+stopMargin, minStopTimeout)
}
