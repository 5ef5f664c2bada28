namespace Montage.Generation.Models;

/// <summary>
/// Which kind of media a catalog media field takes. The catalog names its media fields by what they hold
/// (<c>image</c>, <c>end_image</c>, <c>images</c>, <c>audio</c>, <c>clips</c>), so the name decides.
/// </summary>
internal static class MediaKinds
{
    public const string Image = "image";
    public const string Video = "video";
    public const string Audio = "audio";

    public static string For(string fieldName) => fieldName switch
    {
        "audio" => Audio,
        "clips" => Video,
        _ => Image,
    };

    /// <summary>The media kind of a content type ("image/png" is image), or null for anything else.</summary>
    public static string? OfContentType(string contentType)
    {
        var slash = contentType.IndexOf('/', StringComparison.Ordinal);
        var top = slash > 0 ? contentType[..slash] : contentType;
        return top is Image or Video or Audio ? top : null;
    }
}
