using Montage.Contracts.Jobs.V1;
using Montage.JobTracking.Persistence;

namespace Montage.JobTracking.Checkpoint;

/// <summary>
/// A submit intent lives in the checkpoint columns the request id will later fill: the provider, no request id, and
/// a status naming the lease that recorded it. The lease tells a repeat of the same worker's call (a no-op) from a
/// later holder of the attempt, for which the submit's outcome is unknown. It needs no schema change, never shows
/// as a <see cref="ProviderCheckpoint"/> on the job (that requires a request id), and Fail (retryable) and Retry
/// clear it with the rest of the checkpoint.
/// </summary>
internal static class SubmitIntent
{
    public const string StatusPrefix = "submitting:";

    public static bool IsIntent(JobRecord job) =>
        job.CheckpointRequestId is null && job.CheckpointProvider is not null && job.CheckpointStatus?.StartsWith(StatusPrefix, StringComparison.Ordinal) == true;

    public static bool RecordedUnder(JobRecord job, Guid lease) => IsIntent(job) && job.CheckpointStatus == StatusPrefix + lease;

    public static void Record(JobRecord job, string provider, Guid lease, DateTime now)
    {
        job.CheckpointProvider = provider;
        job.CheckpointRequestId = null;
        job.CheckpointStatus = StatusPrefix + lease;
        job.CheckpointSubmittedAt = now;
        job.CheckpointUpdatedAt = now;
    }

    public static ProviderCheckpoint ToProto(JobRecord job) => new()
    {
        Provider = job.CheckpointProvider ?? "",
        ProviderStatus = "submitting",
        SubmitIntent = true,
        SubmittedAt = job.CheckpointSubmittedAt is { } at ? JobRecord.Stamp(at) : null,
        UpdatedAt = job.CheckpointUpdatedAt is { } updated ? JobRecord.Stamp(updated) : null,
    };
}
