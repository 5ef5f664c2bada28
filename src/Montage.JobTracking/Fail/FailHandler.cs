using Microsoft.Extensions.Options;
using Montage.Contracts.Jobs.V1;
using Montage.JobTracking.Dependencies;
using Montage.JobTracking.Leasing;
using Montage.JobTracking.Persistence;

namespace Montage.JobTracking.Fail;

/// <summary>
/// Fail: ends the current attempt. Retryable with attempts left: back to queued after backoff with jitter, the
/// provider checkpoint cleared (that request ended). Otherwise failed for good, and waiting dependents fail with
/// "dependency_failed". After a Cancel request, code "canceled" ends the job as canceled.
/// </summary>
internal sealed class FailHandler(JobDatabase database, IOptions<JobTrackingOptions> options)
{
    public async Task<Job> HandleAsync(FailRequest request, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (request.Error is null || string.IsNullOrWhiteSpace(request.Error.Code) || request.Error.Code.Length > 128)
        {
            throw Errors.InvalidArgument("error.code is required (a stable machine code, at most 128 characters)");
        }

        if (request.ActualCostMicros < 0)
        {
            throw Errors.InvalidArgument("actual_cost_micros must not be negative");
        }

        var retryAfter = request.RetryAfter?.ToTimeSpan();
        if (retryAfter is { } after && (after < TimeSpan.Zero || after > TimeSpan.FromDays(1)))
        {
            throw Errors.InvalidArgument("retry_after must be between 0 and 24 h");
        }

        var message = request.Error.Message.Length > 2000 ? request.Error.Message[..2000] : request.Error.Message;
        return await database.RunAsync(async tx =>
        {
            var job = await LeaseGuard.LoadHeldAsync(tx, request.JobId, request.LeaseId, cancellationToken).ConfigureAwait(false);
            job.ActualCostMicros += request.ActualCostMicros;
            job.AttemptOpen = false;
            LeaseExpiry.ClearLease(job);
            tx.WakeLeasers(job.Kind);

            if (job.CancelRequested && request.Error.Code == "canceled")
            {
                job.State = JobState.Canceled;
                job.ErrorCode = "canceled";
                job.ErrorMessage = job.ErrorMessage ?? message;
                job.ErrorRetryable = false;
                job.FinishedAt = tx.Now;
                tx.Update(job);
                tx.AddStateEvent(job, "job.canceled");
                await JobReadiness.OnEndedAsync(tx, job, cancellationToken).ConfigureAwait(false);
            }
            else if (request.Error.Retryable && !job.CancelRequested && job.Attempts < job.MaxAttempts)
            {
                job.State = JobState.Queued;
                job.ErrorCode = request.Error.Code;
                job.ErrorMessage = message;
                job.ErrorRetryable = true;
                job.NextAttemptAt = tx.Now + Backoff.Delay(job.Attempts, settings.BackoffBase, settings.BackoffMax, retryAfter, Random.Shared);
                job.CheckpointProvider = null;
                job.CheckpointRequestId = null;
                job.CheckpointStatus = null;
                job.CheckpointSubmittedAt = null;
                job.CheckpointUpdatedAt = null;
                job.Progress = 0;
                tx.Update(job);
                tx.AddStateEvent(job, "job.retrying");
            }
            else
            {
                job.State = JobState.Failed;
                job.ErrorCode = request.Error.Code;
                job.ErrorMessage = message;
                job.ErrorRetryable = request.Error.Retryable;
                job.FinishedAt = tx.Now;
                tx.Update(job);
                tx.AddStateEvent(job, "job.failed");
                await JobReadiness.OnEndedAsync(tx, job, cancellationToken).ConfigureAwait(false);
            }

            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return job.ToProto();
        }, cancellationToken).ConfigureAwait(false);
    }
}
