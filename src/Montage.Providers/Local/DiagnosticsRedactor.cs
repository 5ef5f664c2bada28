using System.Text.RegularExpressions;

namespace Montage.Providers.Local;

/// <summary>
/// Strips what must not reach job errors or logs from FFmpeg's messages: file paths (they reveal the host's layout
/// and may hold signed names) and URLs (signed provider links carry credentials in their query).
/// </summary>
internal static partial class DiagnosticsRedactor
{
    public static string Redact(string text)
    {
        var withoutUrls = UrlPattern().Replace(text, "<url>");
        return PathPattern().Replace(withoutUrls, "<path>");
    }

    [GeneratedRegex(@"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'""]+", RegexOptions.CultureInvariant)]
    private static partial Regex UrlPattern();

    [GeneratedRegex(@"(?<![\w<])/[^\s'"":,]*/[^\s'"":,]*", RegexOptions.CultureInvariant)]
    private static partial Regex PathPattern();
}
