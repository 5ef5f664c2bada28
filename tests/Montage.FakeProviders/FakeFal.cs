using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace Montage.FakeProviders;

/// <summary>
/// A fake fal.ai speaking the queue, storage, CDN and webhook protocols under one prefix (default <c>/fal</c>):
/// <c>{prefix}/queue</c>, <c>{prefix}/rest</c> (storage and JWKS), <c>{prefix}/cdn</c> (files).
/// </summary>
public sealed partial class FakeFal : IAsyncDisposable
{
    public const string DefaultApiKey = "fake-fal-key";
    public const string UserId = "fake-fal-user";

    private readonly string prefix;
    private readonly ConcurrentQueue<RecordedRequest> requests = new();
    private readonly ConcurrentDictionary<string, StoredFile> uploads = new();
    private WebApplication? ownApp;
    private long expiredBefore = DateTimeOffset.MinValue.UtcTicks;

    public FakeFal(string prefix = "/fal")
    {
        this.prefix = prefix.TrimEnd('/');
        Jobs = new FakeJobBoard(OnCompletedAsync);
    }

    public Uri BaseUrl { get; private set; } = new("http://127.0.0.1/");

    public Uri QueueUrl => new($"{Root}/queue");

    public Uri RestUrl => new($"{Root}/rest");

    public Uri JwksUrl => new($"{Root}/rest/.well-known/jwks.json");

    public Uri CdnUrl => new($"{Root}/cdn");

    /// <summary>The key the fake expects after <c>Authorization: Key</c>.</summary>
    public string ApiKey { get; set; } = DefaultApiKey;

    public FakeFaults Faults { get; } = new();

    public FakeJobBoard Jobs { get; }

    public FakeFalSigner Signer { get; } = new();

    public FakeWebhookSender Webhooks { get; } = new();

    public IReadOnlyList<RecordedRequest> Requests => requests.ToList();

    public IReadOnlyList<RecordedRequest> Submits => requests.Where(r => r.Method == "POST" && r.Path.StartsWith($"{prefix}/queue/", StringComparison.Ordinal)).ToList();

    private string Root => $"{BaseUrl.ToString().TrimEnd('/')}{prefix}";

    /// <summary>Starts a fake fal alone on 127.0.0.1 and a free port.</summary>
    public static Task<FakeFal> StartAsync() => StartAsync(System.Net.IPAddress.Loopback);

    /// <summary>
    /// Starts a fake fal alone on <paramref name="address"/> and a free port. On <see cref="ImportOrigin.Address"/> its CDN
    /// (result files) is an origin the asset store's test import allowlist admits, as fal's public CDN is in production.
    /// </summary>
    public static async Task<FakeFal> StartAsync(System.Net.IPAddress address)
    {
        var fake = new FakeFal();
        var (app, baseUrl) = await FakeHost.StartAsync(fake.Map, listenAddress: address);
        fake.ownApp = app;
        fake.BaseUrl = baseUrl;
        return fake;
    }

    /// <summary>Maps the fake onto an app (for hosting several fakes together); call <see cref="SetBaseUrl"/> once it listens.</summary>
    public void Map(IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup(prefix);
        group.MapPost("/queue/{**path}", SubmitAsync);
        group.MapGet("/queue/{**path}", StatusOrResultAsync);
        group.MapPut("/queue/{**path}", CancelAsync);
        group.MapGet("/rest/.well-known/jwks.json", JwksAsync);
        group.MapPost("/rest/storage/upload/initiate", InitiateUploadAsync);
        group.MapPut("/cdn-upload/{token}", PutUploadAsync);
        group.MapGet("/cdn/files/{token}/{name}", GetUploadAsync);
        group.MapGet("/cdn/outputs/{id}/{index:int}/{name}", GetOutputAsync);
    }

    public void SetBaseUrl(Uri baseUrl) => BaseUrl = baseUrl;

    /// <summary>From now on every existing output file answers 404, as an expired CDN link does.</summary>
    public void ExpireOutputs() => Interlocked.Exchange(ref expiredBefore, DateTimeOffset.UtcNow.UtcTicks + 1);

    /// <summary>A fresh state for the next test: jobs, counts, faults, webhooks, keys and recorded requests.</summary>
    public void Reset()
    {
        Jobs.Reset();
        Jobs.Progression = FakeProgression.Timed(TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(300));
        Faults.Clear();
        Webhooks.Reset();
        Signer.Reset();
        requests.Clear();
        uploads.Clear();
        ApiKey = DefaultApiKey;
        Interlocked.Exchange(ref expiredBefore, DateTimeOffset.MinValue.UtcTicks);
    }

    public async ValueTask DisposeAsync()
    {
        if (ownApp is not null)
        {
            await ownApp.StopAsync();
            await ownApp.DisposeAsync();
        }

        Webhooks.Dispose();
    }

    private bool IsExpired(DateTimeOffset createdAt, DateTimeOffset? expiresAt) =>
        createdAt.UtcTicks < Interlocked.Read(ref expiredBefore) || (expiresAt is { } at && at <= DateTimeOffset.UtcNow);

    private sealed record StoredFile(string ContentType, string FileName, byte[]? Bytes, DateTimeOffset CreatedAt);

    private static JsonObject Detail(string loc, string type, string message) => new()
    {
        ["detail"] = new JsonArray(new JsonObject
        {
            ["loc"] = new JsonArray("body", loc),
            ["msg"] = message,
            ["type"] = type,
            ["ctx"] = new JsonObject(),
        }),
    };
}
