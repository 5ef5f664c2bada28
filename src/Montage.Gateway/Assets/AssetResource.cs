using System.Text.Json.Serialization;
using Montage.Contracts.Assets.V1;

namespace Montage.Gateway.Assets;

/// <summary>An asset as the REST API shows it: the store's facts in snake_case, plus links.</summary>
public sealed record AssetResource(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("content_type")] string ContentType,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("media")] MediaFacts? Media,
    [property: JsonPropertyName("tags")] IReadOnlyList<string> Tags,
    [property: JsonPropertyName("source")] AssetOrigin Source,
    [property: JsonPropertyName("created_at")] DateTimeOffset? CreatedAt,
    [property: JsonPropertyName("links")] AssetLinks Links)
{
    public static AssetResource From(Asset asset)
    {
        ArgumentNullException.ThrowIfNull(asset);
        return new AssetResource(
            asset.Id,
            asset.Name,
            asset.ContentType,
            asset.SizeBytes,
            asset.Sha256,
            KindName(asset.Kind),
            asset.Media is null ? null : MediaFacts.From(asset.Media),
            [.. asset.Tags],
            AssetOrigin.From(asset.Source),
            asset.CreatedAt?.ToDateTimeOffset(),
            AssetLinks.For(asset.Id));
    }

    public static string KindName(AssetKind kind) => kind switch
    {
        AssetKind.Image => "image",
        AssetKind.Video => "video",
        AssetKind.Audio => "audio",
        _ => "other",
    };
}

/// <summary>What FFprobe read from the bytes; absent fields were not found.</summary>
public sealed record MediaFacts(
    [property: JsonPropertyName("width")] int? Width,
    [property: JsonPropertyName("height")] int? Height,
    [property: JsonPropertyName("duration_seconds")] double? DurationSeconds,
    [property: JsonPropertyName("fps")] double? Fps,
    [property: JsonPropertyName("video_codec")] string? VideoCodec,
    [property: JsonPropertyName("audio_codec")] string? AudioCodec,
    [property: JsonPropertyName("has_audio")] bool HasAudio)
{
    public static MediaFacts From(MediaInfo media)
    {
        ArgumentNullException.ThrowIfNull(media);
        return new MediaFacts(
            media.Width > 0 ? media.Width : null,
            media.Height > 0 ? media.Height : null,
            media.Duration?.ToTimeSpan().TotalSeconds,
            media.Fps > 0 ? media.Fps : null,
            NullIfEmpty(media.VideoCodec),
            NullIfEmpty(media.AudioCodec),
            media.HasAudio);
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}

/// <summary>Where the bytes came from: "upload", "import" (with the URL, query removed), "job_output" or "derived".</summary>
public sealed record AssetOrigin(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("url"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Url,
    [property: JsonPropertyName("job_id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? JobId,
    [property: JsonPropertyName("provider"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Provider,
    [property: JsonPropertyName("derived_from"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? DerivedFrom)
{
    public static AssetOrigin From(AssetSource? source) => source is null
        ? new AssetOrigin("upload", null, null, null, null)
        : new AssetOrigin(
            source.Type.Length == 0 ? "upload" : source.Type,
            NullIfEmpty(source.Url),
            NullIfEmpty(source.JobId),
            NullIfEmpty(source.Provider),
            NullIfEmpty(source.DerivedFromAssetId));

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}

/// <summary>Relative links: the gateway may sit behind a proxy that knows its public origin better than it does.</summary>
public sealed record AssetLinks(
    [property: JsonPropertyName("self")] string Self,
    [property: JsonPropertyName("content")] string Content)
{
    public static AssetLinks For(string id) => new($"/v1/assets/{id}", $"/v1/assets/{id}/content");
}

/// <summary>A page of <c>GET /v1/assets</c>; <c>next_cursor</c> is null on the last page.</summary>
public sealed record AssetPage(
    [property: JsonPropertyName("data")] IReadOnlyList<AssetResource> Data,
    [property: JsonPropertyName("next_cursor")] string? NextCursor);

/// <summary>Body of <c>POST /v1/assets/{id}/signed-url</c> (all optional).</summary>
public sealed record SignedUrlRequest(
    [property: JsonPropertyName("ttl_seconds")] int? TtlSeconds,
    [property: JsonPropertyName("disposition")] string? Disposition);

/// <summary>A link to the asset's content that works without an API key until <c>expires_at</c>.</summary>
public sealed record SignedUrlResource(
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("expires_at")] DateTimeOffset ExpiresAt);
