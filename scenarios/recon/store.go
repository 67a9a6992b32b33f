package recon

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// JobStatus is where a job is in its life: queued → running → succeeded|failed.
type JobStatus string

// Job statuses.
const (
	JobQueued    JobStatus = "queued"
	JobRunning   JobStatus = "running"
	JobSucceeded JobStatus = "succeeded"
	JobFailed    JobStatus = "failed"
)

// String returns the status as stored and served.
func (s JobStatus) String() string { return string(s) }

// Job is one reconciliation run as stored in recon_jobs.
type Job struct {
	ID         int64      `json:"id"`
	Status     JobStatus  `json:"status"`
	Matched    int        `json:"matched"`
	Unmatched  int        `json:"unmatched"`
	Error      string     `json:"error,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
}

// store wraps the recon tables on a pool it does not own. owner marks the
// jobs this process created (failStale leaves them alone).
type store struct {
	pool  *pgxpool.Pool
	owner string
}

func (s store) createJob(ctx context.Context) (int64, error) {
	var id int64
	err := s.pool.QueryRow(ctx, `INSERT INTO recon_jobs (owner) VALUES ($1) RETURNING id`, s.owner).Scan(&id)
	return id, err
}

func (s store) job(ctx context.Context, id int64) (Job, error) {
	var j Job
	err := s.pool.QueryRow(ctx, `SELECT id, status, matched, unmatched, error, created_at, started_at, finished_at
		FROM recon_jobs WHERE id = $1`, id).
		Scan(&j.ID, &j.Status, &j.Matched, &j.Unmatched, &j.Error, &j.CreatedAt, &j.StartedAt, &j.FinishedAt)
	return j, err
}

func (s store) start(ctx context.Context, id int64) error {
	_, err := s.pool.Exec(ctx, `UPDATE recon_jobs SET status = 'running', started_at = now() WHERE id = $1`, id)
	return err
}

func (s store) fail(ctx context.Context, id int64, cause error) error {
	_, err := s.pool.Exec(ctx, `UPDATE recon_jobs SET status = 'failed', error = $2, finished_at = now()
		WHERE id = $1 AND status IN ('queued', 'running')`, id, cause.Error())
	return err
}

// failStale fails jobs a previous process left queued or running. Jobs
// of this process are left alone: one may have been submitted before the
// worker started (TestBinaryRunsJobsAndStops failed that way under -race).
func (s store) failStale(ctx context.Context) (int64, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE recon_jobs SET status = 'failed', finished_at = now(),
		error = 'interrupted: reconapi stopped before the job finished; start a new job'
		WHERE status IN ('queued', 'running') AND owner <> $1`, s.owner)
	return tag.RowsAffected(), err
}

// finish upserts results keyed by payment id and marks the job succeeded in
// one transaction, so a job's results and its status commit together.
// Unchanged results are not rewritten, which keeps re-runs idempotent.
func (s store) finish(ctx context.Context, id int64, rs []Result) error {
	matched, unmatched := Count(rs)
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		for _, r := range rs {
			b.Queue(`INSERT INTO recon_results (payment_id, status, reason, payment_amount, currency, transfer_id, job_id)
				VALUES ($1, $2, $3, $4, $5, $6, $7)
				ON CONFLICT (payment_id) DO UPDATE SET status = EXCLUDED.status, reason = EXCLUDED.reason,
					payment_amount = EXCLUDED.payment_amount, currency = EXCLUDED.currency,
					transfer_id = EXCLUDED.transfer_id, job_id = EXCLUDED.job_id, updated_at = now()
				WHERE (recon_results.status, recon_results.reason, recon_results.payment_amount,
				       recon_results.currency, recon_results.transfer_id)
				      IS DISTINCT FROM
				      (EXCLUDED.status, EXCLUDED.reason, EXCLUDED.payment_amount, EXCLUDED.currency, EXCLUDED.transfer_id)`,
				r.PaymentID, r.Status, r.Reason, r.Amount, r.Currency, r.TransferID, id)
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("upsert %d results: %w", len(rs), err)
		}
		_, err := tx.Exec(ctx, `UPDATE recon_jobs SET status = 'succeeded', matched = $2, unmatched = $3,
			finished_at = now() WHERE id = $1`, id, matched, unmatched)
		return err
	})
}
