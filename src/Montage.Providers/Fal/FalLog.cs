using Microsoft.Extensions.Logging;

namespace Montage.Providers.Fal;

internal static partial class FalLog
{
    [LoggerMessage(EventId = 4100, Level = LogLevel.Information, Message = "fal.ai accepted request {RequestId} for {Model} (queue position {QueuePosition})")]
    public static partial void Submitted(ILogger logger, string requestId, string model, int? queuePosition);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "fal.ai submit for {Model} failed: {Kind} ({Code})")]
    public static partial void SubmitFailed(ILogger logger, string model, string kind, string? code);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Information, Message = "fal.ai request {RequestId} completed with an error: {Kind} ({Code})")]
    public static partial void CompletedWithError(ILogger logger, string requestId, string kind, string? code);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Information, Message = "Fetched {KeyCount} fal.ai webhook signing keys")]
    public static partial void JwksFetched(ILogger logger, int keyCount);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Warning, Message = "Refused a fal.ai webhook: {Reason}")]
    public static partial void WebhookRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Warning, Message = "Could not fetch the fal.ai webhook signing keys: {Reason}")]
    public static partial void JwksFetchFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Information, Message = "Uploaded {FileName} ({ContentType}) to the fal.ai CDN")]
    public static partial void Uploaded(ILogger logger, string fileName, string contentType);
}
