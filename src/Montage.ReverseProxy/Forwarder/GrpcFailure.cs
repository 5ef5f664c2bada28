using Microsoft.AspNetCore.Http;

namespace Montage.ReverseProxy.Forwarder;

/// <summary>
/// gRPC answers failures with HTTP 200 and a <c>grpc-status</c>; an HTML or problem body with 502 would read as
/// "UNKNOWN" or "INTERNAL" to a gRPC client. These helpers write a proper gRPC failure instead.
/// </summary>
public static class GrpcFailure
{
    public const int Cancelled = 1;
    public const int DeadlineExceeded = 4;
    public const int PermissionDenied = 7;
    public const int Unavailable = 14;
    public const int Unauthenticated = 16;

    /// <summary>Whether the request is a gRPC call (content type <c>application/grpc</c> or <c>application/grpc+proto</c>, ...).</summary>
    public static bool IsGrpcRequest(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var contentType = request.ContentType;
        return contentType is not null
            && contentType.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase)
            && !contentType.StartsWith("application/grpc-web", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// A trailers-only response (HTTP 200, <c>grpc-status</c> and <c>grpc-message</c> in the headers, no body).
    /// Only valid before the response has started.
    /// </summary>
    public static void WriteTrailersOnly(HttpResponse response, int status, string message)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = Uri.EscapeDataString(message);
    }
}
