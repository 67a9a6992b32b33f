package watchdog

// EventKinds returns every EventKind, in the order event.go declares them:
// the kinds /v1/events can return and a chaos scenario's expect.events may
// name. Callers may change the slice.
func EventKinds() []EventKind {
	return []EventKind{
		EventStateChange, EventStarted, EventExited, EventRestart, EventStartLimit,
		EventPortConflict, EventMemoryRestart, EventHealth, EventCheck, EventOrphans,
		EventAdopted, EventReload, EventError,
	}
}

// Healths returns every Health level, best first. Callers may change the
// slice.
func Healths() []Health {
	return []Health{HealthHealthy, HealthDegraded, HealthUnhealthy, HealthBlocked}
}
