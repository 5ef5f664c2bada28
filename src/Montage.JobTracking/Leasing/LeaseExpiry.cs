using Montage.Contracts.Jobs.V1;
using Montage.JobTracking.Dependencies;
using Montage.JobTracking.Persistence;
using Npgsql;

namespace Montage.JobTracking.Leasing;

/// <summary>
/// Running jobs whose worker stopped heartbeating: past the attempt deadline they fail with "timeout";
/// otherwise they go back to queued, keeping their provider checkpoint, so the next holder resumes the paid
/// request instead of submitting again. Run by housekeeping, off the Lease path; a requeued job wakes the waiting leases.
/// </summary>
internal static class LeaseExpiry
{
    public static async Task<int> HandleExpiredAsync(JobTransaction tx, string[]? kinds, int limit, CancellationToken cancellationToken)
    {
        var command = JobTransaction.Sql($"""
            SELECT {JobRecord.Columns} FROM jobs
            WHERE state = 3 AND (lease_expires_at < $1 OR attempt_deadline < $1) AND ($2::text[] IS NULL OR kind = ANY($2))
            ORDER BY id LIMIT {limit} FOR UPDATE SKIP LOCKED
            """,
            new NpgsqlParameter<DateTime> { TypedValue = tx.Now },
            new NpgsqlParameter { Value = (object?)kinds ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
        var jobs = await tx.ReadJobsAsync(command, cancellationToken).ConfigureAwait(false);
        foreach (var job in jobs)
        {
            if (job.AttemptDeadline is { } deadline && deadline < tx.Now)
            {
                await TimeOutAsync(tx, job, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (job.CancelRequested && job.CheckpointRequestId is null)
            {
                // Nothing was submitted to a provider, so nothing needs canceling there.
                job.State = JobState.Canceled;
                job.ErrorCode = "canceled";
                job.ErrorRetryable = false;
                job.FinishedAt = tx.Now;
                ClearLease(job);
                tx.Update(job);
                tx.AddStateEvent(job, "job.canceled");
                tx.WakeLeasers(job.Kind);
                await JobReadiness.OnEndedAsync(tx, job, cancellationToken).ConfigureAwait(false);
                continue;
            }

            job.State = JobState.Queued;
            job.NextAttemptAt = tx.Now;
            ClearLease(job);
            tx.Update(job);
            tx.AddStateEvent(job, "job.queued");
        }

        return jobs.Count;
    }

    public static async Task TimeOutAsync(JobTransaction tx, JobRecord job, CancellationToken cancellationToken)
    {
        job.State = JobState.Failed;
        job.ErrorCode = "timeout";
        job.ErrorMessage = $"the job exceeded its timeout of {TimeSpan.FromMilliseconds(job.TimeoutMs).TotalSeconds:0.###} s " +
                           $"(attempt {job.Attempts} started {job.AttemptDeadline!.Value.AddMilliseconds(-job.TimeoutMs):O})";
        job.ErrorRetryable = false;
        job.FinishedAt = tx.Now;
        job.AttemptOpen = false;
        ClearLease(job);
        tx.Update(job);
        tx.AddStateEvent(job, "job.failed");
        tx.WakeLeasers(job.Kind);
        await JobReadiness.OnEndedAsync(tx, job, cancellationToken).ConfigureAwait(false);
    }

    public static void ClearLease(JobRecord job)
    {
        job.LeaseOwner = null;
        job.LeaseExpiresAt = null;
        job.LeaseId = job.State == JobState.Succeeded ? job.LeaseId : null;
    }
}
