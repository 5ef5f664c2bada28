using System.Text;
using System.Text.Json.Nodes;

namespace Montage.FakeProviders;

internal static class FakeHttp
{
    public static async Task<RecordedRequest> RecordAsync(HttpContext context)
    {
        // Buffered and rewound, so a handler can still read the form after recording the raw bytes.
        context.Request.EnableBuffering();
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        context.Request.Body.Position = 0;
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        return new RecordedRequest(context.Request.Method, context.Request.Path.Value ?? "/", context.Request.QueryString.Value ?? string.Empty, headers, buffer.ToArray());
    }

    public static Task WriteJsonAsync(HttpContext context, int status, JsonNode body, IReadOnlyDictionary<string, string>? headers = null) =>
        WriteAsync(context, status, body.ToJsonString(), headers);

    public static async Task WriteAsync(HttpContext context, int status, string? body, IReadOnlyDictionary<string, string>? headers = null)
    {
        context.Response.StatusCode = status;
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            context.Response.Headers[name] = value;
        }

        if (body is not null)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(body, Encoding.UTF8, context.RequestAborted);
        }
    }

    /// <summary>
    /// Applies the next fault for the operation. Returns true when the fault answered (or dropped) the call, false when
    /// the call should be served normally (no fault, or after a delay). <paramref name="acceptBeforeDrop"/> runs before
    /// a dropped connection, so a submit is recorded as accepted although its answer is lost.
    /// </summary>
    public static async Task<bool> ApplyFaultAsync(HttpContext context, FakeFaults faults, FakeOperation operation, Func<Task>? acceptBeforeDrop = null)
    {
        if (!faults.TryTake(operation, out var fault) || fault is null)
        {
            return false;
        }

        switch (fault)
        {
            case DelayFault delay:
                await Task.Delay(delay.Delay, context.RequestAborted);
                return false;
            case DropConnectionFault:
                if (acceptBeforeDrop is not null)
                {
                    await acceptBeforeDrop();
                }

                context.Abort();
                return true;
            case AcceptThenStallFault stall:
                if (acceptBeforeDrop is not null)
                {
                    await acceptBeforeDrop();
                }

                try
                {
                    await Task.Delay(stall.Longest, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    // The client gave up or died: the request stays accepted.
                }

                context.Abort();
                return true;
            case EnvelopeFault envelope:
                var headers = envelope.RetryAfterSeconds is { } s
                    ? new Dictionary<string, string> { ["Retry-After"] = s.ToString(System.Globalization.CultureInfo.InvariantCulture) }
                    : null;
                await WriteJsonAsync(context, envelope.HttpStatus, new JsonObject { ["code"] = envelope.Code, ["msg"] = envelope.Message, ["data"] = null }, headers);
                return true;
            case StatusFault status:
                await WriteAsync(context, status.Status, status.Body, status.Headers);
                return true;
            default:
                return false;
        }
    }

    public static async Task ServeFileAsync(HttpContext context, string path, string contentType)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = contentType;
        context.Response.ContentLength = new FileInfo(path).Length;
        await context.Response.SendFileAsync(path, context.RequestAborted);
    }
}
