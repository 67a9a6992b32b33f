-- The process that created a job: at start, reconapi fails only the jobs
-- earlier processes left queued or running, never one it was handed
-- between starting to serve and starting its worker.
ALTER TABLE recon_jobs ADD COLUMN IF NOT EXISTS owner TEXT NOT NULL DEFAULT '';
