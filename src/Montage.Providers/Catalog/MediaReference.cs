using System.Text.RegularExpressions;

namespace Montage.Providers.Catalog;

/// <summary>The accepted forms of a media reference: an asset id, an http(s) URL, a data URI or a job output reference.</summary>
public static partial class MediaReference
{
    public static bool IsUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    public static bool IsDataUri(string value) =>
        value.StartsWith("data:", StringComparison.OrdinalIgnoreCase) && value.Contains(',', StringComparison.Ordinal);

    public static bool IsJobOutput(string value) =>
        value.StartsWith("job://", StringComparison.Ordinal) && value.Length > "job://".Length;

    public static bool IsAssetId(string value) => AssetIdPattern().IsMatch(value);

    public static bool IsValid(string value) => IsUrl(value) || IsDataUri(value) || IsJobOutput(value) || IsAssetId(value);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex AssetIdPattern();
}
