using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Montage.Hosting.Dashboard.Telemetry;

namespace Montage.Hosting.Dashboard.Web;

/// <summary>JSON views of the received telemetry, and one event stream that says which signal changed.</summary>
internal static class TelemetryApi
{
    private static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(15);

    /// <summary>Pages re-read at most this often however fast telemetry arrives.</summary>
    private static readonly TimeSpan CoalesceInterval = TimeSpan.FromMilliseconds(500);

    public static void Map(WebApplication app, DashboardWebContext web)
    {
        var telemetry = web.Telemetry;
        app.MapGet("/api/telemetry/stream", context => StreamChanges(context, telemetry));
        app.MapGet("/api/services", context => DashboardJson.Write(context, telemetry.Traces.Services()
            .Concat(telemetry.Logs.Services())
            .Concat(telemetry.Metrics.List().Select(i => i.ServiceName))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList()));

        app.MapGet("/api/logs", context =>
        {
            var query = context.Request.Query;
            var logs = telemetry.Logs.Query(new LogQuery
            {
                Service = Text(query["service"]),
                MinSeverityNumber = Number(query["minSeverity"]),
                Text = Text(query["q"]),
                TraceId = Text(query["traceId"]),
                Limit = Math.Clamp(Number(query["limit"]) ?? 500, 1, 5000),
            });
            return DashboardJson.Write(context, logs);
        });

        app.MapGet("/api/traces", context =>
        {
            var query = context.Request.Query;
            var status = Text(query["status"]);
            var traces = telemetry.Traces.Query(new TraceQuery
            {
                Service = Text(query["service"]),
                HasError = status switch { "error" => true, "ok" => false, _ => null },
                MinDuration = Number(query["minDurationMs"]) is { } ms ? TimeSpan.FromMilliseconds(ms) : null,
                Text = Text(query["q"]),
                Limit = Math.Clamp(Number(query["limit"]) ?? 200, 1, 2000),
            });
            return DashboardJson.Write(context, traces.Select(t => new
            {
                t.TraceId,
                t.Name,
                t.RootService,
                t.Services,
                t.Start,
                DurationMs = t.Duration.TotalMilliseconds,
                t.SpanCount,
                t.HasError,
            }));
        });

        app.MapGet("/api/traces/{traceId}", async context =>
        {
            var traceId = context.Request.RouteValues["traceId"]?.ToString() ?? "";
            var trace = telemetry.Traces.GetTrace(traceId.ToLowerInvariant());
            if (trace is null)
            {
                await DashboardJson.Problem(context, StatusCodes.Status404NotFound, "unknown-trace", "The trace is unknown or was evicted from memory.").ConfigureAwait(false);
                return;
            }

            var start = trace.Start;
            await DashboardJson.Write(context, new
            {
                trace.TraceId,
                trace.Start,
                DurationMs = trace.Duration.TotalMilliseconds,
                trace.Services,
                Spans = trace.Spans.Select(s => new
                {
                    s.Span.SpanId,
                    s.Span.ParentSpanId,
                    s.Span.Name,
                    s.Span.Kind,
                    s.Span.ServiceName,
                    s.Span.ScopeName,
                    s.Depth,
                    s.Span.Start,
                    OffsetMs = (s.Span.Start - start).TotalMilliseconds,
                    DurationMs = s.Span.Duration.TotalMilliseconds,
                    s.Span.Status,
                    s.Span.StatusMessage,
                    s.Span.Attributes,
                    Events = s.Span.Events.Select(e => new { e.Name, OffsetMs = (e.Timestamp - start).TotalMilliseconds, e.Attributes }),
                }),
            }).ConfigureAwait(false);
        });

        app.MapGet("/api/metrics", context => DashboardJson.Write(context, telemetry.Metrics.List().Select(i => new
        {
            i.ServiceName,
            i.ScopeName,
            i.Name,
            i.Description,
            i.Unit,
            i.Kind,
            i.LastUpdated,
            SeriesCount = i.Series.Count,
            Series = i.Series.Take(5).Select(s => new { s.Attributes, s.Latest }),
        })));

        app.MapGet("/api/metrics/instrument", async context =>
        {
            var query = context.Request.Query;
            var instrument = telemetry.Metrics.Get(query["service"].ToString(), query["scope"].ToString(), query["name"].ToString());
            if (instrument is null)
            {
                await DashboardJson.Problem(context, StatusCodes.Status404NotFound, "unknown-instrument", "No such instrument has been received.").ConfigureAwait(false);
                return;
            }

            await DashboardJson.Write(context, instrument).ConfigureAwait(false);
        });
    }

    private static async Task StreamChanges(HttpContext context, TelemetryStore telemetry)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, telemetry.Stopping);
        var token = stop.Token;
        try
        {
            var events = await ServerSentEvents.Start(context).ConfigureAwait(false);
            while (!token.IsCancellationRequested)
            {
                var versions = new { traces = telemetry.Traces.Changes.Version, logs = telemetry.Logs.Changes.Version, metrics = telemetry.Metrics.Changes.Version };
                await events.Send("changed", versions, token).ConfigureAwait(false);
                await Task.Delay(CoalesceInterval, token).ConfigureAwait(false);

                // Re-sent unchanged after the heartbeat interval, which also keeps idle connections open.
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(token);
                wait.CancelAfter(HeartbeatInterval);
                await Task.WhenAny(
                    telemetry.Traces.Changes.WaitAsync(versions.traces, wait.Token),
                    telemetry.Logs.Changes.WaitAsync(versions.logs, wait.Token),
                    telemetry.Metrics.Changes.WaitAsync(versions.metrics, wait.Token)).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The browser left or the dashboard stops.
        }
    }

    private static string? Text(Microsoft.Extensions.Primitives.StringValues value) =>
        string.IsNullOrWhiteSpace(value.ToString()) ? null : value.ToString().Trim();

    private static int? Number(Microsoft.Extensions.Primitives.StringValues value) =>
        int.TryParse(value.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) ? number : null;
}
