using System.Net;

namespace Montage.Grpc.Client;

/// <summary>
/// Maps failures below gRPC to status codes: HTTP statuses as in the gRPC spec's "HTTP to gRPC status code mapping",
/// HTTP/2 RST_STREAM error codes as in its "Errors" section, and connection failures to UNAVAILABLE.
/// </summary>
internal static class HttpStatusMapping
{
    public static StatusCode FromHttpStatus(HttpStatusCode status) => status switch
    {
        HttpStatusCode.BadRequest => StatusCode.Internal,
        HttpStatusCode.Unauthorized => StatusCode.Unauthenticated,
        HttpStatusCode.Forbidden => StatusCode.PermissionDenied,
        HttpStatusCode.NotFound => StatusCode.Unimplemented,
        HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout => StatusCode.Unavailable,
        _ => StatusCode.Unknown,
    };

    public static StatusCode FromHttp2ErrorCode(long errorCode) => errorCode switch
    {
        0x7 => StatusCode.Unavailable, // REFUSED_STREAM: the server did not process the call, so it is safe to retry
        0x8 => StatusCode.Cancelled, // CANCEL
        0xB => StatusCode.ResourceExhausted, // ENHANCE_YOUR_CALM
        0xC => StatusCode.PermissionDenied, // INADEQUATE_SECURITY
        _ => StatusCode.Internal, // NO_ERROR (before the status), PROTOCOL_ERROR, INTERNAL_ERROR, FLOW_CONTROL_ERROR, ...
    };

    /// <summary>The status of a call whose HTTP exchange failed with <paramref name="error"/> (not a cancellation of ours).</summary>
    public static Status FromException(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is HttpProtocolException protocol)
            {
                return new Status(FromHttp2ErrorCode(protocol.ErrorCode), $"HTTP/2 stream error {protocol.ErrorCode}: {protocol.Message}");
            }
        }

        return error switch
        {
            HttpRequestException or IOException => new Status(StatusCode.Unavailable, "Error talking to the server: " + error.Message),
            OperationCanceledException => new Status(StatusCode.Cancelled, "The call was canceled."),
            _ => new Status(StatusCode.Internal, "Error in the gRPC call: " + error.GetType().Name + ": " + error.Message),
        };
    }
}
