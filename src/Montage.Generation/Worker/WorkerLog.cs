using Microsoft.Extensions.Logging;

namespace Montage.Generation.Worker;

/// <summary>The worker's log events; ids 700-799. Never logs URLs (they may be signed) or provider keys.</summary>
internal static partial class WorkerLog
{
    [LoggerMessage(EventId = 700, Level = LogLevel.Information, Message = "Worker {WorkerId} leases kinds {Kinds}.")]
    public static partial void Started(ILogger logger, string workerId, string kinds);

    [LoggerMessage(EventId = 701, Level = LogLevel.Warning, Message = "Lease call failed ({Status}); trying again shortly.")]
    public static partial void LeaseFailed(ILogger logger, string status);

    [LoggerMessage(EventId = 702, Level = LogLevel.Information, Message = "Job {JobId} ({ModelId}) leased, resume = {Resume}.")]
    public static partial void Leased(ILogger logger, string jobId, string modelId, bool resume);

    [LoggerMessage(EventId = 703, Level = LogLevel.Information, Message = "Job {JobId} submitted to {Provider} as request {RequestId}.")]
    public static partial void Submitted(ILogger logger, string jobId, string provider, string requestId);

    [LoggerMessage(EventId = 704, Level = LogLevel.Information, Message = "Job {JobId} resumes provider request {Provider}/{RequestId}.")]
    public static partial void Resuming(ILogger logger, string jobId, string provider, string requestId);

    [LoggerMessage(EventId = 705, Level = LogLevel.Information, Message = "Job {JobId} succeeded with {Outputs} output(s), cost {CostMicros} micro-USD.")]
    public static partial void Succeeded(ILogger logger, string jobId, int outputs, long costMicros);

    [LoggerMessage(EventId = 706, Level = LogLevel.Warning, Message = "Job {JobId} failed: {Code} (retryable {Retryable}).")]
    public static partial void Failed(ILogger logger, string jobId, string code, bool retryable);

    [LoggerMessage(EventId = 707, Level = LogLevel.Information, Message = "Job {JobId} canceled; provider answered {Outcome}.")]
    public static partial void Canceled(ILogger logger, string jobId, string outcome);

    [LoggerMessage(EventId = 708, Level = LogLevel.Warning, Message = "Job {JobId}: the lease was lost; another worker owns the job now.")]
    public static partial void LeaseLost(ILogger logger, string jobId);

    [LoggerMessage(EventId = 709, Level = LogLevel.Warning, Message = "Job {JobId}: heartbeat failed ({Status}).")]
    public static partial void HeartbeatFailed(ILogger logger, string jobId, string status);

    [LoggerMessage(EventId = 710, Level = LogLevel.Warning, Message = "Job {JobId}: the submit to {Provider} may have been accepted but no answer came; not resubmitting.")]
    public static partial void OutcomeUnknown(ILogger logger, string jobId, string provider);

    [LoggerMessage(EventId = 711, Level = LogLevel.Error, Message = "Job {JobId}: provider request {RequestId} could not be checkpointed ({Status}); canceling it at the provider.")]
    public static partial void CheckpointFailed(ILogger logger, string jobId, string requestId, string status);

    [LoggerMessage(EventId = 712, Level = LogLevel.Information, Message = "Job {JobId}: the local render {RequestId} is gone (restart); rendering again.")]
    public static partial void LocalRerun(ILogger logger, string jobId, string requestId);

    [LoggerMessage(EventId = 713, Level = LogLevel.Warning, Message = "Job {JobId}: reporting to JobTracker failed ({Status}).")]
    public static partial void ReportFailed(ILogger logger, string jobId, string status);

    [LoggerMessage(EventId = 714, Level = LogLevel.Error, Message = "Job {JobId} hit an unexpected {ExceptionType}.")]
    public static partial void Unexpected(ILogger logger, string jobId, string exceptionType, Exception exception);

    [LoggerMessage(EventId = 715, Level = LogLevel.Debug, Message = "Job {JobId}: watch for provider events ended ({Reason}).")]
    public static partial void WatchEnded(ILogger logger, string jobId, string reason);

    [LoggerMessage(EventId = 716, Level = LogLevel.Warning, Message = "Job {JobId}: canceling provider request {RequestId} failed ({Kind}).")]
    public static partial void CancelFailed(ILogger logger, string jobId, string requestId, string kind);

    [LoggerMessage(EventId = 717, Level = LogLevel.Warning, Message = "Job {JobId}: the outcome of its submit to {Provider} is unknown; waiting for the provider's webhook to reconcile it, not resubmitting.")]
    public static partial void Reconciling(ILogger logger, string jobId, string provider);

    [LoggerMessage(EventId = 718, Level = LogLevel.Information, Message = "Job {JobId}: provider request {Provider}/{RequestId} confirmed by the provider and adopted.")]
    public static partial void Reconciled(ILogger logger, string jobId, string provider, string requestId);

    [LoggerMessage(EventId = 719, Level = LogLevel.Warning, Message = "Job {JobId}: a webhook named request {Provider}/{RequestId}, which the provider does not confirm ({Kind}); ignored.")]
    public static partial void Unconfirmed(ILogger logger, string jobId, string provider, string requestId, string kind);
}
