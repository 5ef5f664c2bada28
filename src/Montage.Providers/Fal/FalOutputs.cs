using System.Text.Json.Nodes;
using Montage.Providers.Abstractions;
using Montage.Providers.Http;

namespace Montage.Providers.Fal;

/// <summary>Finds the output files in a fal model output: every object with an http(s) <c>url</c> (images[i], video, audio...).</summary>
internal static class FalOutputs
{
    public static IReadOnlyList<ProviderOutputFile> Files(JsonNode? output)
    {
        var files = new List<ProviderOutputFile>();
        Walk(output, string.Empty, files);
        return files;
    }

    private static void Walk(JsonNode? node, string path, List<ProviderOutputFile> files)
    {
        switch (node)
        {
            case JsonObject obj:
                if (JsonText.String(obj["url"]) is { } url && Uri.TryCreate(url, UriKind.Absolute, out var uri)
                    && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
                {
                    files.Add(ToFile(obj, uri, path.Length == 0 ? "output" : path));
                    return;
                }

                foreach (var (name, child) in obj)
                {
                    Walk(child, path.Length == 0 ? name : $"{path}.{name}", files);
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    Walk(array[i], $"{path}[{i}]", files);
                }

                break;
        }
    }

    private static ProviderOutputFile ToFile(JsonObject obj, Uri url, string name) => new(url, name)
    {
        ContentType = JsonText.String(obj["content_type"]) ?? ContentTypes.FromUrl(url),
        FileName = JsonText.String(obj["file_name"]),
        SizeBytes = JsonText.Long(obj["file_size"]),
        Width = (int?)JsonText.Long(obj["width"]),
        Height = (int?)JsonText.Long(obj["height"]),
        DurationSeconds = JsonText.Double(obj["duration"]),
        FramesPerSecond = JsonText.Double(obj["fps"]),
    };
}
