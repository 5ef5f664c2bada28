using Montage.Contracts.Jobs.V1;
using Montage.JobTracking.Cancel;
using Montage.JobTracking.Persistence;
using Npgsql;

namespace Montage.JobTracking.Leasing;

/// <summary>
/// The fence of every worker call: the job must be running under exactly the presented lease_id. A lease that
/// expired and was handed to another worker, or a job that ended meanwhile, is FAILED_PRECONDITION, so two
/// workers can never both report on one job.
/// </summary>
internal static class LeaseGuard
{
    /// <summary>Locks the job and checks the lease; <paramref name="alongside"/> are reads the handler needs too, sent in the same round trip after the row lock.</summary>
    public static async Task<JobRecord> LoadHeldAsync(
        JobTransaction tx, string jobId, string leaseId, CancellationToken cancellationToken, params (NpgsqlBatchCommand Command, Action<NpgsqlDataReader> Row)[] alongside)
    {
        var id = Errors.ParseJobId(jobId, "job_id");
        var lease = Errors.ParseLeaseId(leaseId);
        JobRecord? job = null;
        await tx.ReadAsync(cancellationToken, [(JobTransaction.LockJobsSql([id]), r => job = JobRecord.Read(r)), .. alongside]).ConfigureAwait(false);
        if (job is null)
        {
            throw Errors.JobNotFound(jobId);
        }

        EnsureHeld(job, lease);
        return job;
    }

    public static void EnsureHeld(JobRecord job, Guid lease)
    {
        if (job.State != JobState.Running || job.LeaseId != lease)
        {
            var why = job.State == JobState.Running ? "the job was leased again after this lease expired" : $"the job is {CancelJobHandler.StateName(job.State)}";
            throw Errors.FailedPrecondition($"lease {lease} on job {job.Id} is no longer held: {why}; stop working on it");
        }
    }
}
