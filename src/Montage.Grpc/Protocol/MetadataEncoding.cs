namespace Montage.Grpc.Protocol;

/// <summary>Maps <see cref="Metadata"/> to and from HTTP/2 header values.</summary>
public static class MetadataEncoding
{
    /// <summary>The header value of an entry: the text itself, or padded base64 for a <c>-bin</c> entry.</summary>
    public static string EncodeValue(Metadata.Entry entry) =>
        entry.IsBinary ? Convert.ToBase64String(entry.ValueBytes) : entry.Value;

    /// <summary>
    /// Adds the entries of one received header to <paramref name="metadata"/>. Reserved protocol headers are skipped.
    /// Binary values are base64, padded or not; several may arrive joined by commas.
    /// </summary>
    public static void AddHeader(Metadata metadata, string name, IEnumerable<string> values)
    {
        if (GrpcProtocol.IsReservedHeader(name))
        {
            return;
        }

        var key = name.ToLowerInvariant();
        var binary = Metadata.Entry.IsBinaryKey(key);
        foreach (var value in values)
        {
            if (!binary)
            {
                metadata.Add(new Metadata.Entry(key, value));
                continue;
            }

            foreach (var part in value.Split(',', StringSplitOptions.TrimEntries))
            {
                metadata.Add(new Metadata.Entry(key, DecodeBase64(part)));
            }
        }
    }

    /// <summary>Decodes base64 with or without padding, as the spec allows senders to omit it.</summary>
    public static byte[] DecodeBase64(string value)
    {
        var remainder = value.Length % 4;
        if (remainder != 0)
        {
            value += new string('=', 4 - remainder);
        }

        return Convert.FromBase64String(value);
    }
}
