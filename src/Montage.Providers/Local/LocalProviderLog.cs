using Microsoft.Extensions.Logging;

namespace Montage.Providers.Local;

internal static partial class LocalProviderLog
{
    [LoggerMessage(EventId = 4302, Level = LogLevel.Information, Message = "Local render {RequestId} of {Model} queued")]
    public static partial void Submitted(ILogger logger, string requestId, string model);

    [LoggerMessage(EventId = 4303, Level = LogLevel.Information, Message = "Local render {RequestId} of {Model} finished in {ElapsedMs} ms")]
    public static partial void Completed(ILogger logger, string requestId, string model, long elapsedMs);

    [LoggerMessage(EventId = 4304, Level = LogLevel.Warning, Message = "Local render {RequestId} of {Model} failed: {Kind} ({Code})")]
    public static partial void Failed(ILogger logger, string requestId, string model, string kind, string? code);
}
