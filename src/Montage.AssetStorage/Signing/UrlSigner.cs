using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Montage.AssetStorage.Persistence;
using Montage.Contracts.Assets.V1;
using Microsoft.AspNetCore.WebUtilities;

namespace Montage.AssetStorage.Signing;

/// <summary>
/// Signed download links for the gateway: <c>/v1/assets/{id}/content?exp=&amp;disp=&amp;sig=</c>, where sig is
/// base64url(HMAC-SHA256(key, "v1\n" + id + "\n" + exp + "\n" + disp)). Verification recomputes the MAC and
/// compares in constant time before it looks at the expiry.
/// </summary>
internal sealed class UrlSigner(AssetStorageOptions options, AssetQueries queries, TimeProvider time)
{
    private static readonly TimeSpan DefaultTtl = TimeSpan.FromHours(1);
    private static readonly TimeSpan MaxTtl = TimeSpan.FromDays(7);
    private readonly byte[] _key = Encoding.UTF8.GetBytes(options.SigningKey);

    public async Task<SignUrlResponse> SignAsync(SignUrlRequest request, CancellationToken cancellationToken)
    {
        var id = Errors.RequireAssetId(request.AssetId);
        var ttl = request.Ttl?.ToTimeSpan() ?? DefaultTtl;
        if (ttl <= TimeSpan.Zero || ttl > MaxTtl)
        {
            throw Errors.InvalidArgument("ttl must be positive and at most 7 days");
        }

        var disposition = request.Disposition.Length == 0 ? "inline" : request.Disposition;
        if (disposition is not ("inline" or "attachment"))
        {
            throw Errors.InvalidArgument("disposition must be inline or attachment");
        }

        await queries.GetAsync(id, request.Owner, cancellationToken).ConfigureAwait(false);
        var expires = time.GetUtcNow().Add(ttl).ToUnixTimeSeconds();
        var exp = expires.ToString(CultureInfo.InvariantCulture);
        var url = $"{PathOf(id)}?exp={exp}&disp={disposition}&sig={Sign(id, exp, disposition)}";
        return new SignUrlResponse { Url = url, ExpiresAt = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeSeconds(expires)) };
    }

    public VerifySignedUrlResponse Verify(VerifySignedUrlRequest request)
    {
        var invalid = new VerifySignedUrlResponse { Valid = false, Reason = "malformed" };
        if (request.Url.Length is 0 or > 4096)
        {
            return invalid;
        }

        var queryStart = request.Url.IndexOf('?', StringComparison.Ordinal);
        if (queryStart < 0)
        {
            return invalid;
        }

        var id = IdFromPath(request.Url[..queryStart]);
        var query = QueryHelpers.ParseQuery(request.Url[queryStart..]);
        if (id is null || !query.TryGetValue("exp", out var exp) || !query.TryGetValue("disp", out var disp) || !query.TryGetValue("sig", out var sig)
            || exp.Count != 1 || disp.Count != 1 || sig.Count != 1
            || !long.TryParse(exp[0], NumberStyles.None, CultureInfo.InvariantCulture, out var expires) || expires > 253402300799)
        {
            return invalid;
        }

        byte[] given;
        try
        {
            given = WebEncoders.Base64UrlDecode(sig[0]!);
        }
        catch (FormatException)
        {
            return invalid;
        }

        var expected = Mac(id, exp[0]!, disp[0]!);
        if (!CryptographicOperations.FixedTimeEquals(expected, given))
        {
            return new VerifySignedUrlResponse { Valid = false, Reason = "bad_signature" };
        }

        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(expires);
        var response = new VerifySignedUrlResponse { AssetId = id, Disposition = disp[0], ExpiresAt = Timestamp.FromDateTimeOffset(expiresAt) };
        if (time.GetUtcNow() >= expiresAt)
        {
            response.Reason = "expired";
            return response;
        }

        response.Valid = true;
        return response;
    }

    private string PathOf(string id) => options.SignedUrlPath.Replace("{id}", id, StringComparison.Ordinal);

    private string? IdFromPath(string path)
    {
        var template = options.SignedUrlPath;
        var at = template.IndexOf("{id}", StringComparison.Ordinal);
        var prefix = template[..at];
        var suffix = template[(at + 4)..];
        if (!path.StartsWith(prefix, StringComparison.Ordinal) || !path.EndsWith(suffix, StringComparison.Ordinal) || path.Length < prefix.Length + suffix.Length)
        {
            return null;
        }

        var id = path[prefix.Length..^suffix.Length];
        return AssetIds.IsWellFormed(id) ? id : null;
    }

    private string Sign(string id, string exp, string disposition) => WebEncoders.Base64UrlEncode(Mac(id, exp, disposition));

    private byte[] Mac(string id, string exp, string disposition) =>
        HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes($"v1\n{id}\n{exp}\n{disposition}"));
}
