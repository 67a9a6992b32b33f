// Package pgtest is faults/pgtest under its old import path, kept only for
// watchdog/health's tests (another change owns that package) until they
// import faults/pgtest; then delete it.
//
// Deprecated: use github.com/vigilhq/vigil/faults/pgtest.
package pgtest

import (
	"testing"

	"github.com/vigilhq/vigil/faults/pgtest"
)

// Server is faults/pgtest.Server.
type Server = pgtest.Server

// Require is faults/pgtest.Require.
func Require(t testing.TB) *Server { return pgtest.Require(t) }
