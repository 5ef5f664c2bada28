namespace Montage.Gateway.Media;

/// <summary>The media each catalog field expects, by its Montage name (the catalog types them only as media).</summary>
public static class MediaFields
{
    public static ExpectedMedia ExpectedFor(string fieldName) => fieldName switch
    {
        "image" or "end_image" or "images" => ExpectedMedia.Image,
        "audio" => ExpectedMedia.Audio,
        "clips" => ExpectedMedia.Video,
        _ => ExpectedMedia.Any,
    };
}
