using System.Buffers.Text;

namespace Montage.Gateway.Media;

/// <summary>
/// A parsed <c>data:[&lt;media type&gt;][;params];base64,&lt;data&gt;</c> URI (RFC 2397). Media is binary, so only the
/// base64 form is accepted; the decoded size is checked against the limit before anything is allocated for it.
/// </summary>
internal sealed record DataUri(string MediaType, byte[] Buffer, int Length)
{
    /// <summary>The decoded bytes as a read-only stream.</summary>
    public Stream OpenRead() => new MemoryStream(Buffer, 0, Length, writable: false);

    public static DataUri Parse(string reference, int maxBytes)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var comma = reference.IndexOf(',', StringComparison.Ordinal);
        if (!reference.StartsWith("data:", StringComparison.OrdinalIgnoreCase) || comma < 0)
        {
            throw Invalid("A data URI looks like data:image/png;base64,<data>.");
        }

        var parameters = reference[5..comma].Split(';');
        if (!parameters[^1].Equals("base64", StringComparison.OrdinalIgnoreCase))
        {
            throw Invalid("Only base64 data URIs are accepted (data:<media type>;base64,<data>).");
        }

        var mediaType = parameters[0].Trim().ToLowerInvariant();
        if (mediaType.Length > 0 && (mediaType.Length > 127 || mediaType.Count(c => c == '/') != 1))
        {
            throw Invalid($"'{Shorten(mediaType)}' is not a media type.");
        }

        var payload = reference.AsSpan(comma + 1);
        var declaredBytes = (long)payload.Length / 4 * 3;
        if (declaredBytes > maxBytes + 2)
        {
            throw new MediaReferenceException(StatusCodes.Status413PayloadTooLarge, "data_uri_too_large",
                $"The data URI holds more than the limit of {maxBytes} bytes; upload larger media with POST /v1/assets.");
        }

        // Copy-free paths first; percent-encoded or whitespace-broken base64 is the rare exception.
        var text = payload.Contains('%') ? Uri.UnescapeDataString(payload.ToString()).AsSpan() : payload;
        var content = new byte[Base64.GetMaxDecodedFromUtf8Length(text.Length)];
        if (!Convert.TryFromBase64Chars(text, content, out var written))
        {
            throw Invalid("The data URI's base64 payload is not valid base64.");
        }

        if (written == 0)
        {
            throw Invalid("The data URI is empty.");
        }

        if (written > maxBytes)
        {
            throw new MediaReferenceException(StatusCodes.Status413PayloadTooLarge, "data_uri_too_large",
                $"The data URI holds more than the limit of {maxBytes} bytes; upload larger media with POST /v1/assets.");
        }

        return new DataUri(mediaType, content, written);
    }

    private static MediaReferenceException Invalid(string message) => new(StatusCodes.Status422UnprocessableEntity, "invalid_data_uri", message);

    private static string Shorten(string value) => value.Length <= 64 ? value : value[..64] + "...";
}
