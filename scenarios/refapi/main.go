package refapi

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// Main is the body of a service binary's main: it logs JSON to stdout, reads
// Config from the environment (listenEnv overriding defaultListen), runs app
// until SIGTERM or SIGINT and returns the process exit code (0 after a clean
// shutdown, 1 on failure, 2 on bad configuration).
func Main(listenEnv, defaultListen string, app App) int {
	log := NewLogger(os.Stdout)
	cfg, err := LoadConfig(os.Getenv, listenEnv, defaultListen)
	if err != nil {
		log.Error("bad configuration", "service", app.Name, "error", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := Run(ctx, cfg, app, log); err != nil {
		log.Error("exit", "service", app.Name, "error", err)
		return 1
	}
	return 0
}
