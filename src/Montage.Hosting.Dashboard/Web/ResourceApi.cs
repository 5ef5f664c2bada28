using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Montage.Hosting.Dashboard.Web;

/// <summary>Resources, their commands, and their console output.</summary>
internal static class ResourceApi
{
    private static readonly TimeSpan FullRefreshInterval = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan ConsoleCatchUpInterval = TimeSpan.FromSeconds(2);

    public static void Map(WebApplication app, DashboardWebContext web)
    {
        var logger = web.LoggerFactory.CreateLogger(typeof(ResourceApi));

        app.MapGet("/api/resources", context => DashboardJson.Write(context, Resources(web)));
        app.MapGet("/api/resources/stream", context => StreamResources(context, web));
        app.MapPost("/api/resources/{name}/commands/{command}", context => Command(context, web, logger));
        app.MapGet("/api/console/{name}", context =>
            DashboardJson.Write(context, Tail(web.Source.GetConsoleLogs(RouteValue(context, "name")), web.Options.MaxConsoleLinesShown)));
        app.MapGet("/api/console/{name}/stream", context => StreamConsole(context, web));
    }

    private static List<ResourceDto> Resources(DashboardWebContext web) => web.Source.GetResources().Select(ResourceDto.From).ToList();

    /// <summary>
    /// Sends the whole (small) resource list on every change, and every few seconds anyway: a change that raced
    /// the subscription is then shown late, never lost.
    /// </summary>
    private static async Task StreamResources(HttpContext context, DashboardWebContext web)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, web.Telemetry.Stopping);
        var token = stop.Token;
        var changes = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
        var pump = Task.Run(
            async () =>
            {
                await foreach (var _ in web.Source.WatchResourcesAsync(token).ConfigureAwait(false))
                {
                    changes.Writer.TryWrite(true);
                }
            },
            token);

        try
        {
            var events = await ServerSentEvents.Start(context).ConfigureAwait(false);
            while (!token.IsCancellationRequested)
            {
                await events.Send("resources", Resources(web), token).ConfigureAwait(false);
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(token);
                wait.CancelAfter(FullRefreshInterval);
                try
                {
                    await changes.Reader.ReadAsync(wait.Token).ConfigureAwait(false);
                    // Coalesce a burst of changes (a restart publishes several) into one update.
                    await Task.Delay(50, token).ConfigureAwait(false);
                    changes.Reader.TryRead(out _);
                }
                catch (OperationCanceledException) when (!token.IsCancellationRequested)
                {
                    // Periodic refresh.
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The browser left or the dashboard stops.
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await SwallowCancellation(pump).ConfigureAwait(false);
        }
    }

    private static async Task Command(HttpContext context, DashboardWebContext web, ILogger logger)
    {
        if (!context.Request.Headers.ContainsKey(LoginGate.RequestHeader))
        {
            await DashboardJson.Problem(context, StatusCodes.Status403Forbidden, "missing-request-header", $"Commands must carry the {LoginGate.RequestHeader} header.").ConfigureAwait(false);
            return;
        }

        var name = RouteValue(context, "name");
        if (!Enum.TryParse<ResourceCommand>(RouteValue(context, "command"), ignoreCase: true, out var command) || !Enum.IsDefined(command))
        {
            await DashboardJson.Problem(context, StatusCodes.Status400BadRequest, "unknown-command", "The command must be stop, start or restart.").ConfigureAwait(false);
            return;
        }

        if (!web.Source.GetResources().Any(r => r.Name == name))
        {
            await DashboardJson.Problem(context, StatusCodes.Status404NotFound, "unknown-resource", $"There is no resource named '{name}'.").ConfigureAwait(false);
            return;
        }

        try
        {
            await web.Source.ExecuteCommandAsync(name, command, context.RequestAborted).ConfigureAwait(false);
        }
        catch (KeyNotFoundException)
        {
            await DashboardJson.Problem(context, StatusCodes.Status404NotFound, "unknown-resource", $"There is no resource named '{name}'.").ConfigureAwait(false);
            return;
        }
        catch (InvalidOperationException exception)
        {
            DashboardLog.CommandFailed(logger, exception, command.ToString(), name);
            await DashboardJson.Problem(context, StatusCodes.Status409Conflict, "command-not-applicable", $"{command} does not apply to '{name}' now.").ConfigureAwait(false);
            return;
        }

        await DashboardJson.Write(context, new { resource = name, command }, StatusCodes.Status202Accepted).ConfigureAwait(false);
    }

    /// <summary>
    /// Backlog first, then live lines. The live subscription only wakes the loop; lines are taken from it while
    /// they follow on without a gap, and re-read from the backlog otherwise, so none is lost or repeated.
    /// </summary>
    private static async Task StreamConsole(HttpContext context, DashboardWebContext web)
    {
        var name = RouteValue(context, "name");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, web.Telemetry.Stopping);
        var token = stop.Token;
        var live = Channel.CreateBounded<ConsoleLine>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest });
        var pump = Task.Run(
            async () =>
            {
                await foreach (var line in web.Source.WatchConsoleLogsAsync(name, token).ConfigureAwait(false))
                {
                    live.Writer.TryWrite(line);
                }
            },
            token);

        try
        {
            var events = await ServerSentEvents.Start(context).ConfigureAwait(false);
            long lastSent = 0;
            async Task CatchUp()
            {
                var missing = Tail(web.Source.GetConsoleLogs(name).Where(l => l.Sequence > lastSent), web.Options.MaxConsoleLinesShown);
                if (missing.Count > 0)
                {
                    await events.Send("lines", missing, token).ConfigureAwait(false);
                    lastSent = missing[^1].Sequence;
                }
            }

            await CatchUp().ConfigureAwait(false);
            while (!token.IsCancellationRequested)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(token);
                wait.CancelAfter(ConsoleCatchUpInterval);
                try
                {
                    var first = await live.Reader.ReadAsync(wait.Token).ConfigureAwait(false);
                    var batch = new List<ConsoleLine> { first };
                    while (batch.Count < 1000 && live.Reader.TryRead(out var next))
                    {
                        batch.Add(next);
                    }

                    var fresh = batch.Where(l => l.Sequence > lastSent).ToList();
                    if (fresh.Count == 0)
                    {
                        continue;
                    }

                    if (fresh[0].Sequence != lastSent + 1 || fresh.Zip(fresh.Skip(1)).Any(p => p.Second.Sequence != p.First.Sequence + 1))
                    {
                        await CatchUp().ConfigureAwait(false);
                        continue;
                    }

                    await events.Send("lines", fresh, token).ConfigureAwait(false);
                    lastSent = fresh[^1].Sequence;
                }
                catch (OperationCanceledException) when (!token.IsCancellationRequested)
                {
                    await CatchUp().ConfigureAwait(false);
                    await events.Heartbeat(token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The browser left or the dashboard stops.
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await SwallowCancellation(pump).ConfigureAwait(false);
        }
    }

    private static List<ConsoleLine> Tail(IEnumerable<ConsoleLine> lines, int count)
    {
        var all = lines.ToList();
        return all.Count <= count ? all : all.GetRange(all.Count - count, count);
    }

    private static string RouteValue(HttpContext context, string key) => context.Request.RouteValues[key]?.ToString() ?? "";

    private static async Task SwallowCancellation(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Expected when the stream ends.
        }
#pragma warning disable CA1031 // A failing subscription must not break the page: the periodic refresh still serves it.
        catch (Exception)
        {
        }
#pragma warning restore CA1031
    }
}
