using System.Globalization;
using System.Text;

namespace Montage.Providers.Local;

/// <summary>Escaping for values placed inside an FFmpeg filter graph, and invariant number formatting.</summary>
internal static class FilterText
{
    /// <summary>
    /// Escapes an option value twice, as the filter graph parser unescapes twice: once for the option
    /// (<c>\ ' :</c>) and once for the graph (<c>\ ' [ ] , ;</c>).
    /// </summary>
    public static string Value(string value) => Escape(Escape(value, "\\':"), "\\'[],;");

    public static string Number(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);

    public static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Escape(string value, string special)
    {
        var builder = new StringBuilder(value.Length + 8);
        foreach (var c in value)
        {
            if (special.Contains(c, StringComparison.Ordinal))
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }

        return builder.ToString();
    }
}
