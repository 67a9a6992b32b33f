-- One settlement transfer on Solana per reconciled batch (job). A row is
-- written 'sent' before the transaction is submitted, so a crash between
-- sending and confirming leaves a row to resolve, never a transfer nobody
-- knows about.
CREATE TABLE IF NOT EXISTS recon_settlements (
    job_id                  BIGINT      PRIMARY KEY,
    signature               TEXT        NOT NULL UNIQUE,
    lamports                BIGINT      NOT NULL,
    last_valid_block_height BIGINT      NOT NULL,
    status                  TEXT        NOT NULL DEFAULT 'sent'
                            CHECK (status IN ('sent', 'confirmed', 'failed', 'expired')),
    slot                    BIGINT,
    error                   TEXT        NOT NULL DEFAULT '',
    created_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    confirmed_at            TIMESTAMPTZ
);

CREATE INDEX IF NOT EXISTS recon_settlements_sent ON recon_settlements (job_id) WHERE status = 'sent';
