using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Montage.Gateway.Assets;

/// <summary>
/// Checks of what a client says about an asset, done here so that every mistake comes back at once as a 400 with the
/// field at fault (the store would refuse them too, one at a time).
/// </summary>
internal static class AssetInputs
{
    public const int MaxNameLength = 255;
    public const int MaxTags = 32;
    public const int MaxTagLength = 64;

    /// <summary>Tags from repeated <c>tag</c> and comma-separated <c>tags</c> query parameters.</summary>
    public static List<string> TagsFromQuery(IQueryCollection query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var tags = new List<string>();
        tags.AddRange(query["tag"].OfType<string>());
        foreach (var list in query["tags"].OfType<string>())
        {
            tags.AddRange(list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        }

        return tags;
    }

    public static void CheckName(string? name, Dictionary<string, string[]> errors)
    {
        if (name is null)
        {
            return;
        }

        if (name.Length > MaxNameLength)
        {
            errors["name"] = [$"name is longer than {MaxNameLength} characters."];
        }
        else if (name.Any(char.IsControl))
        {
            errors["name"] = ["name contains control characters."];
        }
    }

    public static void CheckTags(IReadOnlyCollection<string> tags, Dictionary<string, string[]> errors)
    {
        var messages = new List<string>();
        if (tags.Count > MaxTags)
        {
            messages.Add($"At most {MaxTags} tags are allowed.");
        }

        messages.AddRange(tags
            .Where(t => string.IsNullOrWhiteSpace(t) || t.Length > MaxTagLength || t.Any(char.IsControl))
            .Select(t => $"Tag '{AssetProblems.Shorten(t)}' must be 1 to {MaxTagLength} printable characters."));
        if (messages.Count > 0)
        {
            errors["tags"] = [.. messages];
        }
    }

    /// <summary>An optional <c>X-Content-SHA256</c> header: the store refuses the upload if the bytes differ.</summary>
    public static string? ExpectedSha256(StringValues header, Dictionary<string, string[]> errors)
    {
        if (StringValues.IsNullOrEmpty(header))
        {
            return null;
        }

        var value = header.ToString().Trim();
        if (value.Length != 64 || !value.All(char.IsAsciiHexDigit))
        {
            errors["X-Content-SHA256"] = ["X-Content-SHA256 must be 64 hex digits."];
            return null;
        }

        return value.ToLowerInvariant();
    }

    /// <summary>
    /// The declared media type without parameters; generic types say nothing, so they leave the store to sniff.
    /// </summary>
    public static string DeclaredContentType(string? header)
    {
        if (string.IsNullOrWhiteSpace(header) || !MediaTypeHeaderValue.TryParse(header, out var parsed) || !parsed.MediaType.HasValue)
        {
            return "";
        }

        var mediaType = parsed.MediaType.Value.ToLowerInvariant();
        return mediaType is "application/octet-stream" or "binary/octet-stream" ? "" : mediaType;
    }
}
