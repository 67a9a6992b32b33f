// Command pgapi is the reference stack's payment gateway (see docs/services.md).
package main

import (
	"os"

	"github.com/vigilhq/vigil/scenarios/payments"
	"github.com/vigilhq/vigil/scenarios/refapi"
)

func main() {
	os.Exit(refapi.Main(payments.ListenEnv, payments.DefaultListen, payments.App()))
}
