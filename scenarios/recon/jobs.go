package recon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// QueueSize bounds jobs waiting to run; POST /recon/jobs answers 503 beyond it.
const QueueSize = 16

// JobTimeout bounds one job's fetches and writes.
const JobTimeout = 2 * time.Minute

// ErrQueueFull means QueueSize jobs are already waiting.
var ErrQueueFull = errors.New("job queue is full: wait for running jobs to finish and retry")

// Submit records a queued job and hands it to Run. The job is failed, not
// lost, if the queue is full or the service stops before running it.
func (s *Server) Submit(ctx context.Context) (int64, error) {
	id, err := s.store.createJob(ctx)
	if err != nil {
		return 0, fmt.Errorf("create job: %w", err)
	}
	select {
	case s.queue <- id:
		return id, nil
	default:
		if err := s.store.fail(ctx, id, ErrQueueFull); err != nil {
			s.log.Error("fail job", "job", id, "error", err)
		}
		return 0, ErrQueueFull
	}
}

// Run executes queued jobs one at a time until ctx is cancelled. A job
// running at cancellation and jobs still queued are marked failed before Run
// returns; jobs a crashed predecessor left queued or running are failed at start.
func (s *Server) Run(ctx context.Context) error {
	defer s.client.CloseIdleConnections()
	if s.settle != nil {
		defer s.settle.close()
	}
	var tick <-chan time.Time
	if s.cfg.Every > 0 {
		t := time.NewTicker(s.cfg.Every)
		defer t.Stop()
		tick = t.C
	}
	if n, err := s.store.failStale(ctx); err != nil {
		s.log.Warn("fail stale jobs", "error", err)
	} else if n > 0 {
		s.log.Warn("failed stale jobs", "count", n)
	}
	for {
		select {
		case <-ctx.Done():
			s.drain(ctx)
			return nil
		case id := <-s.queue:
			s.runJob(ctx, id)
		case <-tick:
			s.scheduled(ctx)
		}
	}
}

// scheduled runs one job on the worker, as Config.Every asks; it skips a
// tick while submitted jobs wait, so the schedule never piles up.
func (s *Server) scheduled(ctx context.Context) {
	if len(s.queue) > 0 {
		return
	}
	id, err := s.store.createJob(ctx)
	if err != nil {
		s.log.Error("create scheduled job", "error", err)
		return
	}
	s.runJob(ctx, id)
}

func (s *Server) drain(ctx context.Context) {
	cleanup, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	for {
		select {
		case id := <-s.queue:
			if err := s.store.fail(cleanup, id, errors.New("reconapi stopped before the job ran; start a new job")); err != nil {
				s.log.Error("fail job", "job", id, "error", err)
			}
		default:
			return
		}
	}
}

func (s *Server) runJob(ctx context.Context, id int64) {
	log := s.log.With("job", id)
	jctx, cancel := context.WithTimeout(ctx, JobTimeout)
	defer cancel()
	err := s.reconcile(jctx, id)
	if err == nil {
		log.Info("job succeeded")
		s.settleJob(jctx, log, id)
		return
	}
	if ctx.Err() != nil {
		err = fmt.Errorf("reconapi stopped during the job: %w", err)
	}
	log.Error("job failed", "error", err)
	cleanup, cancelCleanup := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancelCleanup()
	if ferr := s.store.fail(cleanup, id, err); ferr != nil {
		log.Error("record job failure", "error", ferr)
	}
}

// settleJob records and confirms a succeeded job's settlement on Solana.
// Solana is non-critical: a settlement that fails or stays unconfirmed is
// recorded with its error and does not fail the job.
func (s *Server) settleJob(ctx context.Context, log *slog.Logger, id int64) {
	if s.settle == nil {
		return
	}
	if err := s.settle.settle(ctx, id); err != nil {
		log.Warn("settlement not confirmed", "error", err)
		return
	}
	log.Info("settlement confirmed")
}

func (s *Server) reconcile(ctx context.Context, id int64) error {
	if err := s.store.start(ctx, id); err != nil {
		return fmt.Errorf("start: %w", err)
	}
	ps, err := FetchPayments(ctx, s.client, s.cfg.PgapiURL)
	if err != nil {
		return fmt.Errorf("fetch payments from pgapi: %w", err)
	}
	lines, err := FetchStatements(ctx, s.client, s.cfg.BankapiURL)
	if err != nil {
		return fmt.Errorf("fetch statements from bankapi: %w", err)
	}
	if err := s.store.finish(ctx, id, Match(ps, lines)); err != nil {
		return fmt.Errorf("store results: %w", err)
	}
	return nil
}
