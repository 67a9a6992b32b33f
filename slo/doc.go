// Package slo measures what Vigil's chaos suite promises: recovery from every
// injected fault in under 30 s, zero lost acknowledged writes, and at least
// 99.9 % availability.
//
// It is deliberately independent of the watchdog (it never imports
// watchdog/...): a Prober checks each target's user-facing HTTP endpoint on a
// fixed interval, a Ledger records every write a Workload attempts, and pure
// functions turn those recordings into figures (MeasureRecovery,
// MeasureAvailability, Project, Check) and verdicts (Analyze, Evaluate).
// Reports live in slo/report. docs/slo.md defines every figure.
package slo
