namespace Montage.AssetStorage;

/// <summary>Asset ids: "ast_" + a time-ordered UUIDv7 in hex, so ids sort roughly by creation.</summary>
internal static class AssetIds
{
    private const string Prefix = "ast_";

    public static string New() => Prefix + Guid.CreateVersion7().ToString("N");

    public static bool IsWellFormed(string value) =>
        value.Length == Prefix.Length + 32 && value.StartsWith(Prefix, StringComparison.Ordinal) && value.AsSpan(Prefix.Length).ContainsOnlyHex();
}

internal static class HexExtensions
{
    public static bool ContainsOnlyHex(this ReadOnlySpan<char> value)
    {
        foreach (var c in value)
        {
            if (!char.IsAsciiHexDigitLower(c))
            {
                return false;
            }
        }

        return true;
    }
}
