package chaos

import (
	"testing"

	"github.com/vigilhq/vigil/scenarios/stack/stacktest"
)

func TestMain(m *testing.M) { stacktest.VerifyTestMain(m) }
