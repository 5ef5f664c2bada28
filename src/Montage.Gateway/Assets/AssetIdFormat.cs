namespace Montage.Gateway.Assets;

/// <summary>
/// The shape of the store's asset ids ("ast_" + 32 lowercase hex digits). A path segment of another shape names no
/// asset, so it is answered 404 without a call to the store.
/// </summary>
public static class AssetIdFormat
{
    private const string Prefix = "ast_";

    public static bool IsWellFormed(string? value) =>
        value is { Length: 36 } && value.StartsWith(Prefix, StringComparison.Ordinal) && value.AsSpan(Prefix.Length).IndexOfAnyExcept("0123456789abcdef") < 0;
}
