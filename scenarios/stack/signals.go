package stack

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// signalTeardownTimeout bounds the cleanup an interrupt triggers.
const signalTeardownTimeout = 30 * time.Second

// signalGuard removes a stack's containers when the process gets SIGINT or
// SIGTERM (Ctrl-C during `go test`), then re-raises the signal so the process
// still dies of it. Its goroutine is owned by the guard: stop ends it.
type signalGuard struct {
	quit     chan struct{}
	exited   chan struct{}
	stopOnce sync.Once
}

// guardSignals starts the guard for s. ctx carries values only: the guard
// outlives Up's deadline.
func guardSignals(ctx context.Context, s *Stack) *signalGuard {
	g := &signalGuard{quit: make(chan struct{}), exited: make(chan struct{})}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		defer close(g.exited)
		defer signal.Stop(ch)
		select {
		case <-g.quit:
			return
		case sig := <-ch:
			s.log.Warn("signal: removing stack containers", "signal", sig.String())
			tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), signalTeardownTimeout)
			s.teardown(tctx)
			cancel()
			signal.Stop(ch)
			// Die of the signal as if we had never caught it.
			_ = syscall.Kill(os.Getpid(), sig.(syscall.Signal))
		}
	}()
	return g
}

// stop ends the guard's goroutine and waits for it.
func (g *signalGuard) stop() {
	g.stopOnce.Do(func() { close(g.quit) })
	<-g.exited
}
