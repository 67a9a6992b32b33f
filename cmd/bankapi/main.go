// Command bankapi is the reference stack's bank (see docs/services.md).
package main

import (
	"os"

	"github.com/vigilhq/vigil/scenarios/bank"
	"github.com/vigilhq/vigil/scenarios/refapi"
)

func main() {
	os.Exit(refapi.Main(bank.ListenEnv, bank.DefaultListen, bank.App()))
}
