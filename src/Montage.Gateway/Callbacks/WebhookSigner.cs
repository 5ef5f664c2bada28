using System.Security.Cryptography;
using System.Text;

namespace Montage.Gateway.Callbacks;

/// <summary>
/// Standard Webhooks signatures: <c>v1,</c> + base64(HMAC-SHA256(key, id + "." + timestamp + "." + body)), where the
/// key is the base64-decoded part of the <c>whsec_</c> secret.
/// </summary>
public sealed class WebhookSigner
{
    public const string SecretPrefix = "whsec_";
    private readonly byte[] _key;

    public WebhookSigner(string secret) => _key = ParseSecret(secret) ?? throw new ArgumentException("The secret must be whsec_ followed by base64 of 24 to 64 bytes.", nameof(secret));

    /// <summary>The key bytes, or null when <paramref name="secret"/> is not a valid <c>whsec_</c> secret.</summary>
    public static byte[]? ParseSecret(string? secret)
    {
        if (secret is null || !secret.StartsWith(SecretPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            var key = Convert.FromBase64String(secret[SecretPrefix.Length..]);
            return key.Length is >= 24 and <= 64 ? key : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>The <c>webhook-signature</c> header value.</summary>
    public string Sign(string webhookId, long timestamp, string body)
    {
        ArgumentNullException.ThrowIfNull(webhookId);
        ArgumentNullException.ThrowIfNull(body);
        var content = Encoding.UTF8.GetBytes(FormattableString.Invariant($"{webhookId}.{timestamp}.{body}"));
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(_key, content));
    }
}
