using System.Collections.Concurrent;

namespace Montage.FakeProviders;

/// <summary>A webhook receiver on a free port that records every POST (headers and raw body) and answers a set status.</summary>
public sealed class WebhookSink : IAsyncDisposable
{
    private readonly ConcurrentQueue<RecordedRequest> received = new();
    private readonly SemaphoreSlim arrivals = new(0);
    private WebApplication? app;

    public Uri BaseUrl { get; private set; } = new("http://127.0.0.1/");

    /// <summary>A distinct URL per name, so tests can tell their webhooks apart.</summary>
    public Uri UrlFor(string name) => new($"{BaseUrl.ToString().TrimEnd('/')}/hooks/{Uri.EscapeDataString(name)}");

    public int ResponseStatus { get; set; } = 200;

    public IReadOnlyList<RecordedRequest> Received => received.ToList();

    public static async Task<WebhookSink> StartAsync()
    {
        var sink = new WebhookSink();
        var (app, baseUrl) = await FakeHost.StartAsync(web => web.MapPost("/hooks/{name}", sink.ReceiveAsync));
        sink.app = app;
        sink.BaseUrl = baseUrl;
        return sink;
    }

    /// <summary>Waits until a delivery matching <paramref name="match"/> has arrived.</summary>
    public async Task<RecordedRequest> WaitForAsync(Func<RecordedRequest, bool> match, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            var found = received.FirstOrDefault(match);
            if (found is not null)
            {
                return found;
            }

            try
            {
                await arrivals.WaitAsync(TimeSpan.FromMilliseconds(200), cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException("No matching webhook arrived in time.");
            }
        }
    }

    public IReadOnlyList<RecordedRequest> For(string name) =>
        received.Where(r => r.Path.EndsWith($"/hooks/{Uri.EscapeDataString(name)}", StringComparison.Ordinal)).ToList();

    public async ValueTask DisposeAsync()
    {
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private async Task ReceiveAsync(HttpContext context)
    {
        received.Enqueue(await FakeHttp.RecordAsync(context));
        arrivals.Release();
        context.Response.StatusCode = ResponseStatus;
    }
}
