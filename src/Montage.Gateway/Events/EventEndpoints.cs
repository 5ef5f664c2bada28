using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Montage.Clients;
using Montage.Contracts.Jobs.V1;
using Montage.Gateway.Auth;
using Montage.Gateway.Errors;
using Montage.Gateway.Jobs;
using Montage.Gateway.Json;
using Montage.Grpc;

namespace Montage.Gateway.Events;

/// <summary>
/// Server-Sent Events from JobTracker's Watch: <c>GET /v1/jobs/{id}/events</c> (ends after the job's terminal event)
/// and <c>GET /v1/events</c> (every job of the key's owner, or one production). The SSE id is the event sequence, so
/// a reconnect with <c>Last-Event-ID</c> resumes without gaps or duplicates; idle streams get keep-alive comments.
/// </summary>
internal static partial class EventEndpoints
{
    /// <summary>How many shared feeds a job stream tries (the first and those after a feed failed) before its own Watch.</summary>
    private const int MaxFeedAttempts = 3;

    public static void MapEventEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/v1/jobs/{id}/events", JobEventsAsync).WithTags("Events").Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .WithSummary("The job's events as Server-Sent Events (replayed from the start or after Last-Event-ID), ending after its terminal event.");
        routes.MapGet("/v1/events", OwnerEventsAsync).WithTags("Events").Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .WithSummary("Live events of every job of this API key's owner (or ?production_id=); resume with Last-Event-ID.");
    }

    private static async Task JobEventsAsync(string id, HttpContext context, JobTrackerClient client, JobEventHub hub, IOptions<GatewayOptions> options, ILoggerFactory loggers)
    {
        RefuseUnknownQuery(context, "last_event_id");
        var after = LastEventId(context);
        var jobId = JobEndpoints.ParseJobId(id);
        var owner = context.User.GetOwner();
        var shared = options.Value.SharedEventFeeds;
        Job job;
        try
        {
            // Opening streams wait their turn for JobTracker (see EventReplayGate); one Watch per stream does not.
            using (shared ? await hub.Replays.EnterAsync(context.RequestAborted).ConfigureAwait(false) : null)
            {
                job = await client.GetAsync(new GetJobRequest { JobId = jobId, Owner = owner }, context.RequestAborted).ConfigureAwait(false);
            }
        }
        catch (RpcException exception) when (exception.StatusCode == StatusCode.NotFound)
        {
            throw JobEndpoints.NotFound(id);
        }

        if (JobJson.IsTerminal(job.State) && after is { } seen && seen >= job.LastEventSequence)
        {
            // Nothing more will ever come: 204 tells an EventSource not to reconnect.
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }

        var logger = loggers.CreateLogger(typeof(EventEndpoints));
        if (!shared)
        {
            await BeginAsync(context).ConfigureAwait(false);
            await FollowAsync(context, client, new WatchRequest { JobId = jobId, Owner = owner, AfterSequence = after ?? 0 }, endAtTerminal: true, options.Value.EventKeepAlive, logger).ConfigureAwait(false);
            return;
        }

        await BeginAsync(context).ConfigureAwait(false);
        var cursor = after ?? 0;
        var lastSequence = job.LastEventSequence;
        for (var attempt = 1; ; attempt++)
        {
            // From here on the owner's shared feed buffers the job's events; see JobEventHub for why this order leaves no gap.
            using (var subscription = hub.Subscribe(owner, jobId, lastSequence))
            {
                var stream = new JobEventStream(context, client, subscription, hub.Replays, jobId, owner, options.Value.EventKeepAlive);
                try
                {
                    // The stream that created the feed knows where its replay ends: its job's last sequence, read before.
                    if (await stream.RunAsync(cursor, subscription.CreatedFeed ? lastSequence : null).ConfigureAwait(false))
                    {
                        return;
                    }
                }
                catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
                {
                    return;
                }
                catch (RpcException exception) when (!context.RequestAborted.IsCancellationRequested)
                {
                    await WriteFailureAsync(context, exception, logger).ConfigureAwait(false);
                    return;
                }

                cursor = stream.Cursor;
            }

            if (attempt == MaxFeedAttempts)
            {
                break;
            }

            // The shared feed failed (JobTracking overloaded or restarting): every stream of the owner gets here at once.
            // They join a new feed after a pause, through the gate, rather than each opening its own Watch, which would
            // multiply the load that made the feed fail.
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(attempt), context.RequestAborted).ConfigureAwait(false);
                using (await hub.Replays.EnterAsync(context.RequestAborted).ConfigureAwait(false))
                {
                    lastSequence = (await client.GetAsync(new GetJobRequest { JobId = jobId, Owner = owner }, context.RequestAborted).ConfigureAwait(false)).LastEventSequence;
                }
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                return;
            }
            catch (RpcException exception) when (!context.RequestAborted.IsCancellationRequested)
            {
                await WriteFailureAsync(context, exception, logger).ConfigureAwait(false);
                return;
            }
        }

        // The shared feed failed again and again: this stream goes on with its own Watch.
        var request = new WatchRequest { JobId = jobId, Owner = owner, AfterSequence = cursor };
        await FollowAsync(context, client, request, endAtTerminal: true, options.Value.EventKeepAlive, logger).ConfigureAwait(false);
    }

    private static async Task OwnerEventsAsync(HttpContext context, JobTrackerClient client, IOptions<GatewayOptions> options, ILoggerFactory loggers)
    {
        RefuseUnknownQuery(context, "last_event_id", "production_id");
        var after = LastEventId(context);
        var owner = context.User.GetOwner();
        var production = context.Request.Query["production_id"].ToString();
        var request = new WatchRequest { Owner = owner, AfterSequence = after ?? 0, LiveOnly = after is null };
        if (production.Length > 0)
        {
            request.ProductionId = production;
        }
        else
        {
            request.OwnerScope = owner;
        }

        await BeginAsync(context).ConfigureAwait(false);
        await FollowAsync(context, client, request, endAtTerminal: false, options.Value.EventKeepAlive, loggers.CreateLogger(typeof(EventEndpoints))).ConfigureAwait(false);
    }

    /// <summary>The SSE response head and the reconnect delay.</summary>
    private static async Task BeginAsync(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache, no-transform";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()?.DisableBuffering();
        await WriteAsync(response, "retry: 2000\n\n", context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Events of one Watch, with keep-alives, until it ends (or the job's terminal event, when asked).</summary>
    private static async Task FollowAsync(HttpContext context, JobTrackerClient client, WatchRequest request, bool endAtTerminal, TimeSpan keepAlive, ILogger logger)
    {
        var aborted = context.RequestAborted;
        var response = context.Response;
        using var call = client.Watch(request, aborted);
        try
        {
            var next = call.ResponseStream.MoveNext(aborted);
            while (true)
            {
                using (var idle = CancellationTokenSource.CreateLinkedTokenSource(aborted))
                {
                    var tick = Task.Delay(keepAlive, idle.Token);
                    if (await Task.WhenAny(next, tick).ConfigureAwait(false) == tick)
                    {
                        await WriteAsync(response, ": keep-alive\n\n", aborted).ConfigureAwait(false);
                        continue;
                    }

                    await idle.CancelAsync().ConfigureAwait(false);
                }

                if (!await next.ConfigureAwait(false))
                {
                    return;
                }

                var jobEvent = call.ResponseStream.Current;
                await WriteAsync(response, Format(jobEvent), aborted).ConfigureAwait(false);
                if (endAtTerminal && EventJson.IsTerminal(jobEvent.Type))
                {
                    return;
                }

                next = call.ResponseStream.MoveNext(aborted);
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away: nothing to answer.
        }
        catch (RpcException exception) when (!aborted.IsCancellationRequested)
        {
            await WriteFailureAsync(context, exception, logger).ConfigureAwait(false);
        }
    }

    /// <summary>Headers are sent: a failure is told as an SSE event; the client reconnects with Last-Event-ID.</summary>
    private static async Task WriteFailureAsync(HttpContext context, RpcException exception, ILogger logger)
    {
        var problem = RpcProblemMapping.ToProblem(exception);
        LogStreamFailed(logger, exception.StatusCode.ToString());
        var data = JsonSerializer.Serialize(new { code = problem.Code, title = problem.Title }, GatewayJson.Options);
        await WriteAsync(context.Response, $"event: error\ndata: {data}\n\n", CancellationToken.None).ConfigureAwait(false);
    }

    internal static string Format(JobEvent jobEvent)
    {
        var builder = new StringBuilder();
        builder.Append("id: ").Append(jobEvent.Sequence.ToString(CultureInfo.InvariantCulture)).Append('\n');
        builder.Append("event: ").Append(jobEvent.Type).Append('\n');
        builder.Append("data: ").Append(EventJson.ToJson(jobEvent).ToJsonString()).Append("\n\n");
        return builder.ToString();
    }

    internal static async Task WriteAsync(HttpResponse response, string text, CancellationToken cancellationToken)
    {
        await response.WriteAsync(text, cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The sequence to resume after: the <c>Last-Event-ID</c> header, else <c>?last_event_id=</c>; null when neither.</summary>
    private static long? LastEventId(HttpContext context)
    {
        var text = context.Request.Headers["Last-Event-ID"].ToString();
        if (text.Length == 0)
        {
            text = context.Request.Query["last_event_id"].ToString();
        }

        if (text.Length == 0)
        {
            return null;
        }

        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)
            ? sequence
            : throw new ApiProblemException(400, "invalid_last_event_id", "Last-Event-ID is not valid.", "Send the id of the last event received (a non-negative integer).");
    }

    private static void RefuseUnknownQuery(HttpContext context, params string[] allowed)
    {
        var unknown = context.Request.Query.Keys.Where(k => !allowed.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            throw new ApiProblemException(400, "invalid_query", "The query has invalid parameters.", null,
                unknown.ToDictionary(k => k, _ => new[] { $"Unknown query parameter; use {string.Join(", ", allowed)}." }));
        }
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Warning, Message = "An event stream ended with JobTracker status {Status}.")]
    private static partial void LogStreamFailed(ILogger logger, string status);
}
