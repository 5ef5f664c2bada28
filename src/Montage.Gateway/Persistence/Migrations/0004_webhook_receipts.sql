-- Provider webhooks already handed to JobTracking, by a digest of their signed parts: an exact replay is refused.
CREATE TABLE IF NOT EXISTS webhook_receipts (
    provider text NOT NULL,
    digest bytea NOT NULL,
    request_id text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, digest)
);
CREATE INDEX IF NOT EXISTS webhook_receipts_received ON webhook_receipts (received_at);
