using Montage.Contracts.Jobs.V1;
using Montage.JobTracking.Dependencies;
using Montage.JobTracking.Persistence;

namespace Montage.JobTracking.Cancel;

/// <summary>
/// Cancel: a waiting or queued job ends at once (and its waiting dependents with it); a running job gets
/// cancel_requested, which its worker learns at the next Heartbeat, cancels at the provider, and reports.
/// </summary>
internal sealed class CancelJobHandler(JobDatabase database)
{
    public async Task<Job> HandleAsync(CancelJobRequest request, CancellationToken cancellationToken)
    {
        var id = Errors.ParseJobId(request.JobId, "job_id");
        var reason = request.Reason.Length > 0 ? request.Reason[..Math.Min(request.Reason.Length, 500)] : "canceled by the client";
        return await database.RunAsync(async tx =>
        {
            var job = await tx.LoadForUpdateAsync(id, cancellationToken).ConfigureAwait(false);
            if (job is null || (request.Owner.Length > 0 && job.Owner != request.Owner))
            {
                throw Errors.JobNotFound(request.JobId);
            }

            switch (job.State)
            {
                case JobState.Canceled:
                    return job.ToProto();
                case JobState.Succeeded or JobState.Failed:
                    throw Errors.FailedPrecondition($"job {job.Id} is {StateName(job.State)}; only waiting, queued or running jobs can be canceled");
                case JobState.Running:
                    if (!job.CancelRequested)
                    {
                        job.CancelRequested = true;
                        job.ErrorMessage = reason;
                        tx.Update(job);
                        tx.AddStateEvent(job, "job.cancel_requested");
                        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
                    }

                    return job.ToProto();
                default:
                    job.State = JobState.Canceled;
                    job.ErrorCode = "canceled";
                    job.ErrorMessage = reason;
                    job.ErrorRetryable = false;
                    job.FinishedAt = tx.Now;
                    tx.Update(job);
                    tx.AddStateEvent(job, "job.canceled");
                    await JobReadiness.OnEndedAsync(tx, job, cancellationToken).ConfigureAwait(false);
                    await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
                    return job.ToProto();
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    internal static string StateName(JobState state) => state.ToString().ToLowerInvariant();
}
