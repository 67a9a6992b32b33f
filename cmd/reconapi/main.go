// Command reconapi is the reference stack's reconciler (see docs/services.md).
package main

import (
	"fmt"
	"os"

	"github.com/vigilhq/vigil/scenarios/recon"
	"github.com/vigilhq/vigil/scenarios/refapi"
)

func main() {
	cfg, err := recon.LoadConfig(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "reconapi: bad configuration:", err)
		os.Exit(2)
	}
	os.Exit(refapi.Main(recon.ListenEnv, recon.DefaultListen, recon.App(cfg)))
}
