package faults

import (
	"context"
	"syscall"
)

// KillWatchdog returns a fault that SIGKILLs the watchdog itself, found by
// f (e.g. PIDFile of the watchdog's pidfile, or a func returning the pid of
// the vigil process the scenario started). The services it supervises keep
// running; the scenario proves a new watchdog adopts them. recover, if not
// nil, is the revert: typically "start the watchdog again and wait until
// its API answers"; nil means nothing to revert.
func KillWatchdog(f ProcessFinder, recover func(ctx context.Context) error) *Process {
	p := &Process{Service: "vigil", Signal: syscall.SIGKILL, Finder: f, Kind: "watchdog-kill"}
	if recover != nil {
		p.Recover = recover
	}
	return p
}

// KillWatchdogPIDFile is KillWatchdog with the pid read from pidfile.
func KillWatchdogPIDFile(pidfile string, recover func(ctx context.Context) error) *Process {
	return KillWatchdog(PIDFile(pidfile), recover)
}
