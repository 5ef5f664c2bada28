using Microsoft.Extensions.Logging;

namespace Montage.Providers.Kie;

internal static partial class KieLog
{
    [LoggerMessage(EventId = 4200, Level = LogLevel.Information, Message = "KIE.ai accepted task {TaskId} for {Model}")]
    public static partial void Submitted(ILogger logger, string taskId, string model);

    [LoggerMessage(EventId = 4201, Level = LogLevel.Warning, Message = "KIE.ai createTask for {Model} failed: {Kind} ({Code})")]
    public static partial void SubmitFailed(ILogger logger, string model, string kind, string? code);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Warning, Message = "Refused a KIE.ai callback: {Reason}")]
    public static partial void CallbackRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = 4203, Level = LogLevel.Information, Message = "Uploaded {FileName} ({ContentType}) to KIE.ai storage")]
    public static partial void Uploaded(ILogger logger, string fileName, string contentType);
}
