using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Montage.Gateway.Tests.Callbacks;

/// <summary>
/// A real HTTP server standing in for a customer's webhook endpoint: every path is its own endpoint, answering the
/// statuses queued for it (then 200, or the path's default), and recording every request it received.
/// </summary>
public sealed class CallbackReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Endpoint> _endpoints = new();

    private CallbackReceiver(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    public static async Task<CallbackReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http1));
        var app = builder.Build();
        var receiver = new CallbackReceiver(app);
        app.MapPost("/{**path}", receiver.ReceiveAsync);
        await app.StartAsync();
        receiver.BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return receiver;
    }

    /// <summary>A fresh endpoint answering <paramref name="statuses"/> in turn, then <paramref name="thereafter"/>.</summary>
    public Endpoint NewEndpoint(int thereafter = 200, params int[] statuses)
    {
        var path = "/hooks/" + Guid.NewGuid().ToString("N");
        var endpoint = new Endpoint(new Uri(BaseAddress, path), statuses, thereafter);
        _endpoints[path] = endpoint;
        return endpoint;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task ReceiveAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync();
        if (!_endpoints.TryGetValue(context.Request.Path.Value ?? "", out var endpoint))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
        context.Response.StatusCode = endpoint.Record(new ReceivedCallback(headers, body, DateTimeOffset.UtcNow));
    }

    public sealed class Endpoint(Uri url, int[] statuses, int thereafter)
    {
        private readonly Lock _lock = new();
        private readonly List<ReceivedCallback> _received = [];
        private readonly List<(Func<IReadOnlyList<ReceivedCallback>, bool> Condition, TaskCompletionSource Done)> _waiters = [];
        private int _next;
        private int _thereafter = thereafter;

        public Uri Url { get; } = url;

        public IReadOnlyList<ReceivedCallback> Received
        {
            get
            {
                lock (_lock)
                {
                    return [.. _received];
                }
            }
        }

        /// <summary>From now on, answer <paramref name="status"/> once the queued statuses are used up.</summary>
        public void AnswerFromNowOn(int status)
        {
            lock (_lock)
            {
                _thereafter = status;
            }
        }

        /// <summary>Completes when what was received satisfies <paramref name="condition"/>.</summary>
        public Task WaitForAsync(Func<IReadOnlyList<ReceivedCallback>, bool> condition, TimeSpan timeout)
        {
            lock (_lock)
            {
                if (condition(_received))
                {
                    return Task.CompletedTask;
                }

                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((condition, done));
                return done.Task.WaitAsync(timeout);
            }
        }

        internal int Record(ReceivedCallback callback)
        {
            lock (_lock)
            {
                var status = _next < statuses.Length ? statuses[_next++] : _thereafter;
                _received.Add(callback with { AnsweredStatus = status });
                foreach (var waiter in _waiters.Where(w => w.Condition(_received)).ToList())
                {
                    waiter.Done.TrySetResult();
                    _waiters.Remove(waiter);
                }

                return status;
            }
        }
    }
}

public sealed record ReceivedCallback(Dictionary<string, string> Headers, string Body, DateTimeOffset ReceivedAt, int AnsweredStatus = 0);
