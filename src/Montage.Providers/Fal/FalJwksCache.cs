using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Montage.Providers.Abstractions;
using Montage.Providers.Http;
using Org.BouncyCastle.Crypto.Parameters;

namespace Montage.Providers.Fal;

/// <summary>
/// fal's webhook signing keys, cached for at most <see cref="FalOptions.JwksCacheDuration"/>; a forced refresh (no key
/// verified) happens at most once per <see cref="FalOptions.JwksMinRefreshInterval"/>, so forged webhooks cannot hammer fal.
/// </summary>
public sealed class FalJwksCache
{
    private readonly IHttpClientFactory httpClientFactory;
    private readonly FalOptions options;
    private readonly TimeProvider timeProvider;
    private readonly ILogger<FalJwksCache> logger;
    private readonly SemaphoreSlim gate = new(1, 1);
    private volatile Snapshot? current;

    public FalJwksCache(IHttpClientFactory httpClientFactory, IOptions<FalOptions> options, ILogger<FalJwksCache> logger, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.httpClientFactory = httpClientFactory;
        this.options = options.Value;
        this.logger = logger;
        this.timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The cached keys, fetched first when missing or older than the cache duration.</summary>
    internal async Task<IReadOnlyList<Ed25519PublicKeyParameters>> GetKeysAsync(CancellationToken cancellationToken)
    {
        if (current is { } fresh && Age(fresh) < options.JwksCacheDuration)
        {
            return fresh.Keys;
        }

        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (current is { } cached && Age(cached) < options.JwksCacheDuration)
            {
                return cached.Keys;
            }

            return (await FetchAsync(cancellationToken).ConfigureAwait(false)).Keys;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Fetches again unless the last fetch is more recent than the refresh rate limit; returns the keys to use.</summary>
    internal async Task<(IReadOnlyList<Ed25519PublicKeyParameters> Keys, bool Refreshed)> RefreshAsync(CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (current is { } recent && Age(recent) < options.JwksMinRefreshInterval)
            {
                return (recent.Keys, false);
            }

            return ((await FetchAsync(cancellationToken).ConfigureAwait(false)).Keys, true);
        }
        finally
        {
            gate.Release();
        }
    }

    private TimeSpan Age(Snapshot snapshot) => timeProvider.GetUtcNow() - snapshot.FetchedAt;

    private async Task<Snapshot> FetchAsync(CancellationToken cancellationToken)
    {
        using var attemptCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attemptCts.CancelAfter(options.Retry.AttemptTimeout);
        try
        {
            var client = httpClientFactory.CreateClient(FalProvider.HttpClientName);
            using var response = await client.GetAsync(options.JwksUrl, attemptCts.Token).ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync(attemptCts.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw Unavailable($"HTTP {(int)response.StatusCode}");
            }

            var snapshot = new Snapshot(Parse(text), timeProvider.GetUtcNow());
            current = snapshot;
            FalLog.JwksFetched(logger, snapshot.Keys.Count);
            return snapshot;
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw Unavailable(e is OperationCanceledException ? "timeout" : "network error", e);
        }
    }

    private ProviderException Unavailable(string reason, Exception? inner = null)
    {
        FalLog.JwksFetchFailed(logger, reason);

        // Transient on purpose: the webhook endpoint answers 5xx and fal delivers again later.
        return new ProviderException(new ProviderError(ProviderErrorKind.Transient, "jwks_unavailable", $"fal.ai signing keys unavailable ({reason})."), inner);
    }

    private sealed record Snapshot(IReadOnlyList<Ed25519PublicKeyParameters> Keys, DateTimeOffset FetchedAt);

    internal static IReadOnlyList<Ed25519PublicKeyParameters> Parse(string jwks)
    {
        var result = new List<Ed25519PublicKeyParameters>();
        if (JsonText.TryParse(jwks) is JsonObject { } root && root["keys"] is JsonArray entries)
        {
            foreach (var key in entries.OfType<JsonObject>())
            {
                if (JsonText.String(key["kty"]) == "OKP" && JsonText.String(key["crv"]) == "Ed25519"
                    && Base64Url.TryDecode(JsonText.String(key["x"]), out var x) && x.Length == Ed25519PublicKeyParameters.KeySize)
                {
                    result.Add(new Ed25519PublicKeyParameters(x, 0));
                }
            }
        }

        return result;
    }
}
