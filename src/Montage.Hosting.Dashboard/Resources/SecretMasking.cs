using System.Text.RegularExpressions;

namespace Montage.Hosting.Dashboard;

/// <summary>
/// Decides what the dashboard may show of an environment variable. A variable whose name mentions a key, secret,
/// password or token is hidden entirely; in any other value the password of a connection string
/// (Password=..., Pwd=...) or of a URL (scheme://user:password@host) is hidden.
/// </summary>
public static partial class SecretMasking
{
    public const string Mask = "••••••••";

    private static readonly string[] SecretNameParts = ["KEY", "SECRET", "PASSWORD", "PASSWD", "PWD", "TOKEN", "CREDENTIAL"];

    public static bool IsSecretName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return SecretNameParts.Any(part => name.Contains(part, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The value as it may be shown; <paramref name="masked"/> tells whether anything was hidden.</summary>
    public static string MaskValue(string name, string value, out bool masked)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        if (IsSecretName(name))
        {
            masked = value.Length > 0;
            return masked ? Mask : value;
        }

        var result = ConnectionStringPassword().Replace(value, m => m.Groups["prefix"].Value + Mask);
        result = UrlPassword().Replace(result, m => m.Groups["prefix"].Value + Mask + "@");
        masked = !ReferenceEquals(result, value) && result != value;
        return result;
    }

    // "Password=secret;" or "password = 'a;b'" inside an ADO.NET / Npgsql / Redis connection string.
    [GeneratedRegex(@"(?<prefix>(?:^|[;,\s])\s*(?:password|pwd)\s*=\s*)(?:'[^']*'|""[^""]*""|[^;,]*)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ConnectionStringPassword();

    [GeneratedRegex(@"(?<prefix>[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@/\s]+@", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UrlPassword();
}
