package config

import (
	"sort"
	"strings"
	"syscall"
)

// stopSignals are the signals stop.signal may name.
var stopSignals = map[string]syscall.Signal{
	"SIGHUP":   syscall.SIGHUP,
	"SIGINT":   syscall.SIGINT,
	"SIGQUIT":  syscall.SIGQUIT,
	"SIGKILL":  syscall.SIGKILL,
	"SIGUSR1":  syscall.SIGUSR1,
	"SIGUSR2":  syscall.SIGUSR2,
	"SIGTERM":  syscall.SIGTERM,
	"SIGALRM":  syscall.SIGALRM,
	"SIGWINCH": syscall.SIGWINCH,
	"SIGPWR":   syscall.SIGPWR,
}

// normalizeSignal turns "term", "TERM" and "sigterm" into "SIGTERM".
func normalizeSignal(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	if s != "" && !strings.HasPrefix(s, "SIG") {
		s = "SIG" + s
	}
	return s
}

func signalNames() []string {
	names := make([]string, 0, len(stopSignals))
	for n := range stopSignals {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// SignalNum returns the signal to send on stop; SIGTERM when Signal is empty
// or unknown (Parse rejects unknown names).
func (s Stop) SignalNum() syscall.Signal {
	if sig, ok := stopSignals[normalizeSignal(s.Signal)]; ok {
		return sig
	}
	return syscall.SIGTERM
}
