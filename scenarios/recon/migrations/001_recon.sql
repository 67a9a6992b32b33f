CREATE TABLE IF NOT EXISTS recon_jobs (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    status      TEXT        NOT NULL DEFAULT 'queued'
                CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    matched     INTEGER     NOT NULL DEFAULT 0,
    unmatched   INTEGER     NOT NULL DEFAULT 0,
    error       TEXT        NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    started_at  TIMESTAMPTZ,
    finished_at TIMESTAMPTZ
);

CREATE TABLE IF NOT EXISTS recon_results (
    payment_id      BIGINT      PRIMARY KEY,
    status          TEXT        NOT NULL CHECK (status IN ('matched', 'unmatched')),
    reason          TEXT        NOT NULL DEFAULT '',
    payment_amount  BIGINT      NOT NULL,
    currency        CHAR(3)     NOT NULL,
    transfer_id     BIGINT,
    job_id          BIGINT      NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
