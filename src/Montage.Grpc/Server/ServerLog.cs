using Microsoft.Extensions.Logging;

namespace Montage.Grpc.Server;

/// <summary>Log events of the gRPC server; event ids are stable.</summary>
internal static partial class ServerLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Error when executing service method '{Method}'.")]
    public static partial void ErrorExecutingServiceMethod(ILogger logger, string method, Exception exception);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Call {Method} exceeded its deadline of {Timeout}.")]
    public static partial void DeadlineExceeded(ILogger logger, string method, TimeSpan timeout);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Call {Method} refused: content-type '{ContentType}' is not gRPC.")]
    public static partial void UnsupportedContentType(ILogger logger, string method, string? contentType);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "Call {Method} refused: request protocol '{Protocol}' is not HTTP/2.")]
    public static partial void UnsupportedProtocol(ILogger logger, string method, string protocol);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Service '{Service}' is unimplemented.")]
    public static partial void ServiceUnimplemented(ILogger logger, string service);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "Method '{Method}' of service '{Service}' is unimplemented.")]
    public static partial void MethodUnimplemented(ILogger logger, string service, string method);

    [LoggerMessage(EventId = 7, Level = LogLevel.Debug, Message = "Call {Method} ended with {StatusCode}: {Detail}")]
    public static partial void RpcFailed(ILogger logger, string method, StatusCode statusCode, string detail);

    [LoggerMessage(EventId = 8, Level = LogLevel.Debug, Message = "Call {Method} was cancelled by the client.")]
    public static partial void CancelledByClient(ILogger logger, string method);

    [LoggerMessage(EventId = 9, Level = LogLevel.Debug, Message = "Malformed grpc-timeout '{Value}' on call {Method}; the call runs without a deadline.")]
    public static partial void MalformedTimeout(ILogger logger, string method, string value);

    [LoggerMessage(EventId = 10, Level = LogLevel.Debug, Message = "Error while completing call {Method} after its deadline.")]
    public static partial void DeadlineCompletionFailed(ILogger logger, string method, Exception exception);
}
