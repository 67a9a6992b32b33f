CREATE TABLE IF NOT EXISTS transfers (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    idempotency_key TEXT        NOT NULL,
    amount          BIGINT      NOT NULL CHECK (amount > 0),
    currency        CHAR(3)     NOT NULL,
    reference       TEXT        NOT NULL,
    booked_at       TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT transfers_idempotency_key_key UNIQUE (idempotency_key)
);
CREATE INDEX IF NOT EXISTS transfers_booked_at_idx ON transfers (booked_at, id);
