namespace Montage.Gateway.Callbacks;

/// <summary>Callback URLs are never logged: they may carry tokens in their query.</summary>
internal static partial class CallbacksLog
{
    [LoggerMessage(EventId = 7200, Level = LogLevel.Information, Message = "Callback {WebhookId} for job {JobId} delivered on attempt {Attempt} ({Status}).")]
    public static partial void Delivered(ILogger logger, string webhookId, string jobId, int attempt, int? status);

    [LoggerMessage(EventId = 7201, Level = LogLevel.Warning, Message = "Callback {WebhookId} for job {JobId} failed on attempt {Attempt}: {Error}; next attempt in {RetryIn}.")]
    public static partial void WillRetry(ILogger logger, string webhookId, string jobId, int attempt, string? error, TimeSpan retryIn);

    [LoggerMessage(EventId = 7202, Level = LogLevel.Warning, Message = "Callback {WebhookId} for job {JobId} given up after {Attempt} attempts: {Error}.")]
    public static partial void GivenUp(ILogger logger, string webhookId, string jobId, int attempt, string? error);

    [LoggerMessage(EventId = 7203, Level = LogLevel.Warning, Message = "Callback sender pass failed ({ExceptionType}); retrying shortly.")]
    public static partial void SenderPassFailed(ILogger logger, string exceptionType, Exception exception);

    [LoggerMessage(EventId = 7204, Level = LogLevel.Information, Message = "Watch of owner {Owner} for callbacks ended ({Reason}); resuming after sequence {Sequence}.")]
    public static partial void WatchInterrupted(ILogger logger, string owner, string reason, long sequence);

    [LoggerMessage(EventId = 7205, Level = LogLevel.Warning, Message = "Callback reconciliation failed ({ExceptionType}); next pass as scheduled.")]
    public static partial void ReconcileFailed(ILogger logger, string exceptionType, Exception exception);

    [LoggerMessage(EventId = 7206, Level = LogLevel.Warning, Message = "Callbacks:SigningSecret is not configured: requests with a callback_url are refused.")]
    public static partial void NotConfigured(ILogger logger);
}
