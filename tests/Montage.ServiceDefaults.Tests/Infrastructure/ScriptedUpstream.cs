using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Montage.ServiceDefaults.Tests.Infrastructure;

/// <summary>
/// A real Kestrel server that answers the n-th request with the n-th scripted reply (the last
/// one repeats), and records when each request arrived and what body it carried.
/// </summary>
public sealed class ScriptedUpstream : IAsyncDisposable
{
    private readonly Func<HttpContext, Task>[] _replies;
    private readonly ConcurrentQueue<(DateTimeOffset At, string Body)> _requests = new();
    private TestApp? _app;
    private int _count;

    private ScriptedUpstream(Func<HttpContext, Task>[] replies) => _replies = replies;

    public Uri Address => _app!.Address;

    public int RequestCount => _requests.Count;

    public IReadOnlyList<(DateTimeOffset At, string Body)> Requests => [.. _requests];

    public static async Task<ScriptedUpstream> StartAsync(params Func<HttpContext, Task>[] replies)
    {
        var upstream = new ScriptedUpstream(replies);
        upstream._app = await TestApp.StartPlainAsync(app => app.Run(upstream.HandleAsync));
        return upstream;
    }

    public static Func<HttpContext, Task> Status(int status, Action<HttpResponse>? headers = null) => context =>
    {
        context.Response.StatusCode = status;
        headers?.Invoke(context.Response);
        return context.Response.WriteAsync($"status {status}");
    };

    /// <summary>Drops the connection without an answer: the client sees a transport error.</summary>
    public static Func<HttpContext, Task> Abort() => context =>
    {
        context.Abort();
        return Task.CompletedTask;
    };

    public static Func<HttpContext, Task> Hang() => async context =>
    {
        try
        {
            await Task.Delay(TimeSpan.FromMinutes(2), context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
        }
    };

    public ValueTask DisposeAsync() => _app?.DisposeAsync() ?? ValueTask.CompletedTask;

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        _requests.Enqueue((DateTimeOffset.UtcNow, await reader.ReadToEndAsync()));
        var index = Interlocked.Increment(ref _count) - 1;
        await _replies[Math.Min(index, _replies.Length - 1)](context);
    }
}
