-- Cheaper row updates (measured with pg_stat_statements, see docs/benchmarks.md "JobTracking").
--
-- jobs_waiting indexed updated_at, which every UPDATE changes, so no update of a job could ever be a HOT update
-- (an update that changes an indexed column, or a column of a partial index predicate, must add an entry to every
-- index). No query used it: the waiting dependents are found through job_dependencies.
DROP INDEX IF EXISTS jobs_waiting;

-- Room on each page for the new row version, so updates that change no indexed column (the event append's
-- last_event_sequence, progress, logs) stay on the page as HOT updates. Applies to pages written from now on.
ALTER TABLE jobs SET (fillfactor = 80);
