package slo

import (
	"errors"
	"fmt"
	"time"
)

// SLO names used in breaches, JUnit test cases and regressions.
const (
	SLORecovery     = "recovery"          // injection → K good probes < RecoveryMax
	SLOAvailability = "availability"      // projected 30-day availability ≥ Availability
	SLOLostWrites   = "lost-writes"       // acknowledged writes missing ≤ MaxLost
	SLODuplicates   = "duplicate-writes"  // no key stored twice
	SLOUnexpected   = "unexpected-writes" // nothing stored that was never attempted or definitely failed
)

// AllSLOs lists every SLO name in report order.
func AllSLOs() []string {
	return []string{SLORecovery, SLOAvailability, SLOLostWrites, SLODuplicates, SLOUnexpected}
}

// ReleaseScenario is the Scenario of breaches about the release aggregate.
const ReleaseScenario = "release"

// Objectives are the targets a run is judged against.
type Objectives struct {
	RecoveryMax  time.Duration `json:"recovery_max_ns" yaml:"recovery_max"` // recovery must be strictly below; default 30s
	Availability float64       `json:"availability" yaml:"availability"`    // e.g. 0.999; default 0.999
	MaxLost      int           `json:"max_lost" yaml:"max_lost"`            // acknowledged writes allowed lost; default 0
}

// DefaultObjectives are Vigil's published SLOs.
func DefaultObjectives() Objectives {
	return Objectives{RecoveryMax: 30 * time.Second, Availability: 0.999, MaxLost: 0}
}

// Validate reports every problem with o.
func (o Objectives) Validate() error {
	var errs []error
	if o.RecoveryMax <= 0 {
		errs = append(errs, fmt.Errorf("objective recovery_max %v: must be > 0 (e.g. 30s)", o.RecoveryMax))
	}
	if o.Availability <= 0 || o.Availability >= 1 {
		errs = append(errs, fmt.Errorf("objective availability %v: must be a ratio in (0, 1), e.g. 0.999", o.Availability))
	}
	if o.MaxLost < 0 {
		errs = append(errs, fmt.Errorf("objective max_lost %d: must be >= 0", o.MaxLost))
	}
	return errors.Join(errs...)
}

// Breach is one SLO a run missed.
type Breach struct {
	Scenario string `json:"scenario"`         // scenario name, or ReleaseScenario
	Fault    string `json:"fault,omitempty"`  // fault name; for scenario-wide SLOs the scenario's faults joined by "+"
	Target   string `json:"target,omitempty"` // probed target, when the SLO is per target
	SLO      string `json:"slo"`              // one of AllSLOs()
	Got      string `json:"got"`
	Want     string `json:"want"`
}

// String names the scenario, fault, target and SLO, e.g.
// `scenario "pg-kill" fault "sigkill-postgres" target "api": recovery breached: got 31s, want < 30s`.
func (b Breach) String() string {
	return fmt.Sprintf("%s: %s breached: got %s, want %s", b.Where(), b.SLO, b.Got, b.Want)
}

// Where names the breach's scenario, and its fault and target when set:
// `scenario "pg-kill" fault "sigkill-postgres" target "api"`.
func (b Breach) Where() string {
	s := fmt.Sprintf("scenario %q", b.Scenario)
	if b.Fault != "" {
		s += fmt.Sprintf(" fault %q", b.Fault)
	}
	if b.Target != "" {
		s += fmt.Sprintf(" target %q", b.Target)
	}
	return s
}
