namespace Montage.Providers.Http;

internal static class ContentTypes
{
    /// <summary>A content type guessed from a URL's file extension, for providers that return bare URLs.</summary>
    public static string? FromUrl(Uri url)
    {
        var extension = Path.GetExtension(url.AbsolutePath).ToUpperInvariant();
        return extension switch
        {
            ".PNG" => "image/png",
            ".JPG" or ".JPEG" => "image/jpeg",
            ".WEBP" => "image/webp",
            ".GIF" => "image/gif",
            ".MP4" => "video/mp4",
            ".MOV" => "video/quicktime",
            ".WEBM" => "video/webm",
            ".MP3" => "audio/mpeg",
            ".WAV" => "audio/wav",
            ".M4A" => "audio/mp4",
            _ => null,
        };
    }
}
