// Package serve runs a process's long-running parts as one group, in the
// style of oklog/run: each actor is an execute function and an interrupt
// function that makes execute return. The first actor to return interrupts
// all the others, and Run returns once every execute has returned — it
// receives exactly one result per actor, so no actor can be waited for twice
// or forgotten.
//
// Unlike oklog/run, Run keeps every actor's error, not only the first: a
// watchdog whose API failed and whose supervisor then failed to stop a
// service reports both. An actor that was interrupted and stopped cleanly
// returns nil.
package serve

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// Group collects actors and runs them. The zero value is ready to use.
type Group struct {
	actors []actor
}

type actor struct {
	execute   func() error
	interrupt func()
}

// Add adds an actor. interrupt must make execute return and must be safe to
// call after execute has returned. Interrupts run one after the other, in
// the order the actors were added.
func (g *Group) Add(execute func() error, interrupt func()) {
	g.actors = append(g.actors, actor{execute, interrupt})
}

// Context adds fn as an actor: it runs with a context derived from ctx that
// is cancelled when the group is interrupted.
func (g *Group) Context(ctx context.Context, fn func(context.Context) error) {
	ctx, cancel := context.WithCancel(ctx)
	g.Add(func() error {
		defer cancel()
		return fn(ctx)
	}, cancel)
}

// Until adds an actor that returns (nil) when ctx is done, which stops the
// whole group: the group's lifetime is ctx's.
func (g *Group) Until(ctx context.Context) {
	g.Context(ctx, func(ctx context.Context) error {
		<-ctx.Done()
		return nil
	})
}

// HTTP adds srv serving l. Interrupting it stops accepting and lets
// in-flight requests finish for up to grace, then closes what is left.
// Requests never see the group's context, so stopping never aborts a
// handler mid-write. Serve's http.ErrServerClosed after an interrupt is a
// clean stop, not an error.
func (g *Group) HTTP(srv *http.Server, l net.Listener, grace time.Duration) {
	var (
		once        sync.Once
		stopped     = make(chan struct{}) // closed when the interrupt's Shutdown is over
		shutdownErr error                 // written before stopped is closed
	)
	g.Add(func() error {
		err := srv.Serve(l)
		if errors.Is(err, http.ErrServerClosed) {
			<-stopped // Serve returns as Shutdown begins: wait for the drain
			return shutdownErr
		}
		return fmt.Errorf("serve %s: %w", l.Addr(), err)
	}, func() {
		once.Do(func() {
			defer close(stopped)
			ctx, cancel := context.WithTimeout(context.Background(), grace)
			defer cancel()
			if err := srv.Shutdown(ctx); err != nil {
				shutdownErr = fmt.Errorf("serve %s: in-flight requests still running %s after shutdown began: %w", l.Addr(), grace, err)
				_ = srv.Close()
			}
		})
	})
}

// Run runs every actor, each in its own goroutine. When the first returns,
// Run interrupts all of them (the first too: interrupts must be idempotent)
// and waits for the rest. It returns the errors of all actors, joined, in
// the order they returned; nil if every actor stopped cleanly.
func (g *Group) Run() error {
	if len(g.actors) == 0 {
		return nil
	}
	results := make(chan error, len(g.actors)) // one per actor: no sender blocks
	for _, a := range g.actors {
		go func() { results <- a.execute() }()
	}
	errs := []error{<-results}
	for _, a := range g.actors {
		a.interrupt()
	}
	for range len(g.actors) - 1 {
		errs = append(errs, <-results)
	}
	return errors.Join(errs...)
}
