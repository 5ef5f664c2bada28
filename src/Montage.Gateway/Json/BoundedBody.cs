using Montage.Gateway.Errors;

namespace Montage.Gateway.Json;

/// <summary>Reads a small request body whole, refusing it as soon as it passes the limit (declared or actual).</summary>
public static class BoundedBody
{
    public static async Task<byte[]> ReadAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength > maxBytes)
        {
            throw TooLarge(maxBytes);
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw TooLarge(maxBytes);
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static ApiProblemException TooLarge(long maxBytes) =>
        new(413, "payload_too_large", "The request body is too large.", $"At most {maxBytes} bytes are accepted here.");
}
