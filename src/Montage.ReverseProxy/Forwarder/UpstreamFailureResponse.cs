using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Montage.ReverseProxy.Forwarder;

/// <summary>The answer to a request that could not be forwarded, before any response byte was sent.</summary>
internal static class UpstreamFailureResponse
{
    public static async Task WriteAsync(HttpContext context, bool isGrpc, ForwarderError error)
    {
        if (context.Response.HasStarted || context.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        context.Response.Clear();
        if (isGrpc)
        {
            var (code, message) = error switch
            {
                ForwarderError.RequestTimedOut => (GrpcFailure.DeadlineExceeded, "The upstream service did not answer in time."),
                ForwarderError.RequestCanceled or ForwarderError.RequestBodyClient => (GrpcFailure.Cancelled, "The call was canceled by the client."),
                _ => (GrpcFailure.Unavailable, "The upstream service is unavailable."),
            };
            GrpcFailure.WriteTrailersOnly(context.Response, code, message);
            return;
        }

        var (status, problemCode, title) = error switch
        {
            ForwarderError.RequestTimedOut => (StatusCodes.Status504GatewayTimeout, "upstream_timeout", "The upstream service did not answer in time."),
            ForwarderError.NoAvailableDestinations => (StatusCodes.Status503ServiceUnavailable, "upstream_not_configured", "No upstream address is available for this route."),
            ForwarderError.RequestBodyClient => (StatusCodes.Status400BadRequest, "request_body_incomplete", "The request body could not be read."),
            _ => (StatusCodes.Status502BadGateway, "upstream_unavailable", "The upstream service could not be reached."),
        };
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/problem+json";
        var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["type"] = "https://montage.dev/problems/" + problemCode.Replace('_', '-'),
            ["title"] = title,
            ["status"] = status,
            ["code"] = problemCode,
        });
        await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }
}
