-- Jobs, their dependencies, the event log, graph idempotency, provider webhook deliveries and lease fairness.
-- States: 1 waiting, 2 queued, 3 running, 4 succeeded, 5 failed, 6 canceled (the JobState enum values).

CREATE TABLE jobs (
    id                      uuid PRIMARY KEY,
    kind                    text NOT NULL,
    model_id                text NOT NULL,
    provider                text NOT NULL,
    owner                   text NOT NULL,
    idempotency_key         text,
    request_hash            bytea,
    production_id           text NOT NULL DEFAULT '',
    -- The input as submitted; "input" has the dependency bindings resolved into it once queued.
    submitted_input         text NOT NULL,
    input                   text NOT NULL,
    -- Length-delimited protobuf Dependency messages, in request order.
    dependencies            bytea NOT NULL DEFAULT '\x',
    state                   smallint NOT NULL,
    attempts                integer NOT NULL DEFAULT 0,
    max_attempts            integer NOT NULL,
    -- True from the lease that starts an attempt until that attempt fails or is retried: a re-lease
    -- after an expired lease resumes the open attempt instead of starting a new one.
    attempt_open            boolean NOT NULL DEFAULT false,
    attempt_deadline        timestamptz,
    next_attempt_at         timestamptz NOT NULL,
    lease_owner             text,
    lease_id                uuid,
    lease_expires_at        timestamptz,
    lease_duration_ms       integer,
    checkpoint_provider     text,
    checkpoint_request_id   text,
    checkpoint_status       text,
    checkpoint_submitted_at timestamptz,
    checkpoint_updated_at   timestamptz,
    progress                double precision NOT NULL DEFAULT 0,
    -- Length-delimited protobuf LogLine messages, most recent last, bounded.
    recent_logs             bytea NOT NULL DEFAULT '\x',
    -- {"name": ["asset id", ...]}
    outputs                 jsonb,
    error_code              text,
    error_message           text,
    error_retryable         boolean NOT NULL DEFAULT false,
    estimated_cost_micros   bigint NOT NULL DEFAULT 0,
    actual_cost_micros      bigint NOT NULL DEFAULT 0,
    timeout_ms              bigint NOT NULL,
    no_cache                boolean NOT NULL DEFAULT false,
    callback_url            text NOT NULL DEFAULT '',
    cancel_requested        boolean NOT NULL DEFAULT false,
    cached_from_job_id      uuid,
    -- SHA-256 of kind, model and resolved input; set once the input is resolved.
    content_hash            bytea,
    created_at              timestamptz NOT NULL,
    updated_at              timestamptz NOT NULL,
    started_at              timestamptz,
    finished_at             timestamptz,
    last_event_sequence     bigint NOT NULL DEFAULT 0
);

CREATE UNIQUE INDEX jobs_idempotency ON jobs (owner, idempotency_key) WHERE idempotency_key IS NOT NULL;
-- The lease query: queued jobs of some kinds, per owner (fairness), ready by next_attempt_at.
CREATE INDEX jobs_queue ON jobs (kind, owner, next_attempt_at) WHERE state = 2;
-- Housekeeping and caps look only at running jobs.
CREATE INDEX jobs_running_lease ON jobs (lease_expires_at) WHERE state = 3;
CREATE INDEX jobs_running_deadline ON jobs (attempt_deadline) WHERE state = 3;
CREATE INDEX jobs_running_model ON jobs (provider, model_id) WHERE state = 3;
-- A provider request belongs to at most one job; DeliverProviderEvent finds it here.
CREATE UNIQUE INDEX jobs_checkpoint ON jobs (checkpoint_provider, checkpoint_request_id) WHERE checkpoint_request_id IS NOT NULL;
CREATE INDEX jobs_cache ON jobs (owner, content_hash) WHERE state = 4 AND content_hash IS NOT NULL;
CREATE INDEX jobs_owner_created ON jobs (owner, created_at DESC, id DESC);
CREATE INDEX jobs_production_created ON jobs (production_id, created_at DESC, id DESC) WHERE production_id <> '';
CREATE INDEX jobs_created ON jobs (created_at DESC, id DESC);
CREATE INDEX jobs_waiting ON jobs (updated_at) WHERE state = 1;

CREATE TABLE job_dependencies (
    job_id     uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    depends_on uuid NOT NULL REFERENCES jobs (id),
    PRIMARY KEY (job_id, depends_on)
);
CREATE INDEX job_dependencies_upstream ON job_dependencies (depends_on);

CREATE TABLE job_events (
    sequence      bigserial PRIMARY KEY,
    job_id        uuid NOT NULL,
    owner         text NOT NULL,
    production_id text NOT NULL,
    type          text NOT NULL,
    -- clock_timestamp(), not now(): the insert is the last statement of its transaction, so this is
    -- close to commit time, which the event watermark relies on (see EventWatermark).
    time          timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- A serialized JobEvent without its sequence (the column is the truth).
    payload       bytea NOT NULL
);
CREATE INDEX job_events_job ON job_events (job_id, sequence);
CREATE INDEX job_events_owner ON job_events (owner, sequence);
CREATE INDEX job_events_production ON job_events (production_id, sequence) WHERE production_id <> '';
CREATE INDEX job_events_time ON job_events (time);

CREATE TABLE graph_submissions (
    owner           text NOT NULL,
    idempotency_key text NOT NULL,
    request_hash    bytea NOT NULL,
    local_keys      text[] NOT NULL,
    job_ids         uuid[] NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (owner, idempotency_key)
);

CREATE TABLE provider_events (
    provider     text NOT NULL,
    request_id   text NOT NULL,
    outcome      text NOT NULL,
    payload_json text NOT NULL,
    received_at  timestamptz NOT NULL,
    -- Null while no job holds the request id yet (the webhook outran the Checkpoint).
    job_id       uuid,
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, request_id, outcome)
);
CREATE INDEX provider_events_job ON provider_events (job_id, recorded_at);

-- When each owner last got a lease: the tie-breaker of lease fairness.
CREATE TABLE owner_lease_clock (
    owner          text PRIMARY KEY,
    last_leased_at timestamptz NOT NULL
);
