namespace Montage.Gateway.Media;

/// <summary>The kind of media a field expects, checked against what the reference turns out to be.</summary>
public enum ExpectedMedia
{
    Any,
    Image,
    Video,
    Audio,
}

/// <summary>
/// Turns a media reference from a request (an asset id, an http(s) URL imported with the AssetStore's SSRF rules, or
/// a <c>data:</c> URI) into an asset id of the owner, checking it is the expected kind of media.
/// </summary>
public interface IMediaReferenceResolver
{
    /// <summary>The asset id; throws <see cref="MediaReferenceException"/> for a reference the client must fix.</summary>
    Task<string> ResolveAsync(string owner, string reference, ExpectedMedia expected, CancellationToken cancellationToken);
}

/// <summary>A media reference that cannot be used: the client's error (problem details 4xx with this code).</summary>
public sealed class MediaReferenceException(int status, string code, string message) : Exception(message)
{
    /// <summary>HTTP status to answer (400, 404, 415 or 422).</summary>
    public int Status { get; } = status;

    /// <summary>Stable problem code, e.g. "asset_not_found", "media_kind_mismatch", "import_refused".</summary>
    public string Code { get; } = code;
}
