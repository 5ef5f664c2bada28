-- The lease query's per-owner step ("the owner's next queued job": owner = ?, state = 2, ORDER BY next_attempt_at, id
-- LIMIT 1 FOR UPDATE SKIP LOCKED) had no index in its order. Planned before the table had statistics (a fresh
-- database), it walked jobs_owner_created: every job the owner ever had, succeeded ones included, on every Lease
-- (measured: 837 buffers per lease query in the benchmark, 3 with this index). Entries exist only while a job is
-- queued, so the index stays small and costs one entry per queued job.
CREATE INDEX IF NOT EXISTS jobs_queue_owner ON jobs (owner, next_attempt_at, id) WHERE state = 2;
