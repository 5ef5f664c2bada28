using Microsoft.Extensions.Logging;

namespace Montage.Hosting.Dashboard;

/// <summary>The dashboard's own log messages (stable event ids 4100-4199).</summary>
internal static partial class DashboardLog
{
    [LoggerMessage(EventId = 4100, Level = LogLevel.Information, Message = "Dashboard listening on {Url}; OTLP/HTTP on {OtlpUrl}")]
    public static partial void Started(ILogger logger, Uri url, Uri otlpUrl);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "Rejected an OTLP {Signal} request: {Reason}")]
    public static partial void OtlpRejected(ILogger logger, string signal, string reason);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "Resource command {Command} on {Resource} failed")]
    public static partial void CommandFailed(ILogger logger, Exception exception, string command, string resource);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Warning, Message = "Refused a dashboard request without a valid login to {Path}")]
    public static partial void Unauthorized(ILogger logger, string path);
}
