-- Idempotency-Key records: the first request's fingerprint and, once answered, its response, per owner and key.
CREATE TABLE IF NOT EXISTS idempotency_records (
    owner text NOT NULL,
    key text NOT NULL,
    request_hash bytea NOT NULL,
    status_code integer,
    content_type text,
    location text,
    body bytea,
    created_at timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz,
    PRIMARY KEY (owner, key)
);
CREATE INDEX IF NOT EXISTS idempotency_records_created ON idempotency_records (created_at);
