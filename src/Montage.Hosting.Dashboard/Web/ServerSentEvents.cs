using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Montage.Hosting.Dashboard.Web;

/// <summary>Writes a text/event-stream response, one event at a time, flushed immediately.</summary>
internal sealed class ServerSentEvents
{
    private readonly HttpResponse _response;

    private ServerSentEvents(HttpResponse response) => _response = response;

    public static async Task<ServerSentEvents> Start(HttpContext context)
    {
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        // Browsers reconnect on their own; a short retry keeps a restarted AppHost's pages live.
        await context.Response.WriteAsync("retry: 1000\n\n", context.RequestAborted).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        return new ServerSentEvents(context.Response);
    }

    public async Task Send(string eventName, object data, CancellationToken cancellationToken)
    {
        var text = new StringBuilder()
            .Append("event: ").Append(eventName).Append('\n')
            .Append("data: ").Append(DashboardJson.Serialize(data)).Append("\n\n")
            .ToString();
        await _response.WriteAsync(text, cancellationToken).ConfigureAwait(false);
        await _response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A comment line: keeps idle connections open through proxies and detects closed ones.</summary>
    public async Task Heartbeat(CancellationToken cancellationToken)
    {
        await _response.WriteAsync(": keep-alive\n\n", cancellationToken).ConfigureAwait(false);
        await _response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
