using System.Collections.Concurrent;
using Google.Protobuf.WellKnownTypes;
using Montage.AssetStorage.Media;
using Montage.AssetStorage.Persistence;
using Montage.AssetStorage.Storage;
using Montage.Contracts.Assets.V1;
using Montage.Providers.Abstractions;
using Npgsql;

namespace Montage.AssetStorage.ProviderUrls;

/// <summary>
/// GetProviderUrl: a URL a provider can read the asset from. fal and KIE get a copy in their storage, cached per
/// (asset, provider) with its expiry and uploaded again once it would not stay valid for min_validity; the local
/// engine reads the blob's file directly.
/// </summary>
internal sealed partial class ProviderUrlHandler(
    AssetStorageOptions options,
    AssetQueries queries,
    BlobStore blobs,
    IProviderRegistry providers,
    TimeProvider time,
    ILogger<ProviderUrlHandler> logger)
{
    private static readonly TimeSpan DefaultMinValidity = TimeSpan.FromHours(1);
    private readonly ConcurrentDictionary<(string, string), SemaphoreSlim> _uploadLocks = new();

    public async Task<GetProviderUrlResponse> HandleAsync(GetProviderUrlRequest request, CancellationToken cancellationToken)
    {
        var id = Errors.RequireAssetId(request.AssetId);
        var provider = request.Provider.ToLowerInvariant();
        if (provider is not (ProviderNames.Fal or ProviderNames.Kie or ProviderNames.Local))
        {
            throw Errors.InvalidArgument($"provider '{Errors.Truncate(request.Provider)}' is not one of fal, kie, local");
        }

        var minValidity = request.MinValidity?.ToTimeSpan() ?? DefaultMinValidity;
        if (minValidity < TimeSpan.Zero || minValidity > TimeSpan.FromDays(30))
        {
            throw Errors.InvalidArgument("min_validity must be between 0 and 30 days");
        }

        var asset = await queries.GetAsync(id, "", cancellationToken).ConfigureAwait(false);
        if (provider == ProviderNames.Local)
        {
            var path = blobs.PathOf(asset.Sha256);
            return new GetProviderUrlResponse { Url = new Uri(path).AbsoluteUri, LocalPath = path };
        }

        if (!providers.TryGet(provider, out var uploader))
        {
            throw Errors.FailedPrecondition($"provider {provider} is not configured (no API key)");
        }

        // One upload per (asset, provider) at a time: concurrent jobs needing the same input share one copy.
        var gate = _uploadLocks.GetOrAdd((id, provider), _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = time.GetUtcNow();
            if (await FindCachedAsync(id, provider, cancellationToken).ConfigureAwait(false) is { } cached && cached.ExpiresAt - now >= minValidity)
            {
                return Response(cached.Url, cached.ExpiresAt);
            }

            var fileName = asset.Id + ContentSniffer.ExtensionOf(asset.ContentType);
            UploadedFile uploaded;
            await using (var content = blobs.OpenRead(asset.Sha256))
            {
                uploaded = await uploader.UploadAsync(content, asset.ContentType, fileName, cancellationToken).ConfigureAwait(false);
            }

            var expiresAt = uploaded.ExpiresAt ?? now + options.FalUploadLifetime;
            await SaveAsync(id, provider, uploaded.Url.AbsoluteUri, expiresAt, cancellationToken).ConfigureAwait(false);
            LogUploaded(logger, id, provider, expiresAt);
            if (expiresAt - now < minValidity)
            {
                throw Errors.FailedPrecondition($"{provider} keeps uploads only until {expiresAt:O}, shorter than min_validity");
            }

            return Response(uploaded.Url.AbsoluteUri, expiresAt);
        }
        catch (ProviderException exception)
        {
            LogUploadFailed(logger, id, provider, exception.Error.Kind.ToString());
            throw Errors.Unavailable($"the upload to {provider} failed ({exception.Error.Kind})");
        }
        finally
        {
            gate.Release();
        }
    }

    private static GetProviderUrlResponse Response(string url, DateTimeOffset expiresAt) =>
        new() { Url = url, ExpiresAt = Timestamp.FromDateTimeOffset(expiresAt) };

    private async Task<(string Url, DateTimeOffset ExpiresAt)?> FindCachedAsync(string id, string provider, CancellationToken cancellationToken)
    {
        await using var command = queries.DataSource.CreateCommand("SELECT url, expires_at FROM provider_urls WHERE asset_id = @id AND provider = @provider");
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("provider", provider);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? (reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1))
            : null;
    }

    private async Task SaveAsync(string id, string provider, string url, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        await using var command = queries.DataSource.CreateCommand(
            """
            INSERT INTO provider_urls (asset_id, provider, url, expires_at) VALUES (@id, @provider, @url, @expires_at)
            ON CONFLICT (asset_id, provider) DO UPDATE SET url = EXCLUDED.url, expires_at = EXCLUDED.expires_at, created_at = now()
            """);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("provider", provider);
        command.Parameters.AddWithValue("url", url);
        command.Parameters.AddWithValue("expires_at", expiresAt);
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            throw Errors.AssetNotFound(id);
        }
    }

    [LoggerMessage(EventId = 230, Level = LogLevel.Information, Message = "Uploaded asset {AssetId} to {Provider}, valid until {ExpiresAt:O}.")]
    private static partial void LogUploaded(ILogger logger, string assetId, string provider, DateTimeOffset expiresAt);

    [LoggerMessage(EventId = 231, Level = LogLevel.Warning, Message = "Upload of asset {AssetId} to {Provider} failed ({ErrorKind}).")]
    private static partial void LogUploadFailed(ILogger logger, string assetId, string provider, string errorKind);
}
