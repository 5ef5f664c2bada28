using Microsoft.Extensions.Logging;

namespace Montage.ReverseProxy.Forwarder;

/// <summary>Paths are logged without their query string, which may hold signed tokens.</summary>
internal static partial class ForwarderLog
{
    [LoggerMessage(EventId = 7100, Level = LogLevel.Warning, Message = "Forwarding {Method} {Path} to {Destination} failed before the response: {Error}")]
    public static partial void RequestFailed(ILogger logger, string method, string path, string destination, ForwarderError error, Exception? exception);

    [LoggerMessage(EventId = 7101, Level = LogLevel.Information, Message = "Forwarding {Method} {Path} to {Destination} ended during the response body: {Error}")]
    public static partial void ResponseBodyFailed(ILogger logger, string method, string path, string destination, ForwarderError error, Exception? exception);

    [LoggerMessage(EventId = 7102, Level = LogLevel.Warning, Message = "No destination of cluster {ClusterId} resolves to an address: {Reason}")]
    public static partial void NoDestination(ILogger logger, string clusterId, string reason);
}
