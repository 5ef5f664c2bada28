using System.Security.Cryptography;
using System.Text;

namespace Montage.Gateway.Auth;

/// <summary>
/// API key format and hashing: <c>mk_</c> + 256 random bits (base64url). Only the SHA-256 of a key is stored; a key
/// has enough entropy that a fast hash is safe, and lookups by hash never compare secrets byte by byte.
/// </summary>
public static class ApiKeys
{
    public const string Prefix = "mk_";

    public static string Generate() => Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))
        .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static byte[] Hash(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return SHA256.HashData(Encoding.UTF8.GetBytes(key));
    }

    /// <summary>Cheap shape check before any lookup: the prefix and a sane length.</summary>
    public static bool LooksValid(string key) => key.StartsWith(Prefix, StringComparison.Ordinal) && key.Length is >= 20 and <= 200;

    /// <summary>A short, non-secret label of a key for listings and logs (the prefix and first characters).</summary>
    public static string Label(string key) => key.Length <= 10 ? Prefix : key[..10];
}
