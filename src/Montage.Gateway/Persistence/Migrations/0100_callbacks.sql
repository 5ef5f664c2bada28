-- Outbound webhooks (callback_url). A subscription says "this job's terminal event goes to this URL"; it is settled
-- once a delivery for the job's current terminal event exists (a retried job is unsettled again).
CREATE TABLE IF NOT EXISTS callback_subscriptions (
    job_id text PRIMARY KEY,
    owner text NOT NULL,
    callback_url text NOT NULL,
    settled boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS callback_subscriptions_open ON callback_subscriptions (owner) WHERE NOT settled;

-- One row per terminal event to deliver: the body is fixed at enqueue time and the webhook id never changes, so
-- every attempt is the same message. Attempts are claimed by pushing next_attempt_at forward (a crashed sender's
-- claim lapses), so a restart or a second gateway never loses or doubles one.
CREATE TABLE IF NOT EXISTS callback_deliveries (
    webhook_id text PRIMARY KEY,
    job_id text NOT NULL,
    finished_at timestamptz NOT NULL,
    event_type text NOT NULL,
    callback_url text NOT NULL,
    body text NOT NULL,
    state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed', 'disabled')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_status integer,
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    delivered_at timestamptz,
    UNIQUE (job_id, finished_at)
);
CREATE INDEX IF NOT EXISTS callback_deliveries_due ON callback_deliveries (next_attempt_at) WHERE state = 'pending';
