using System.IO.Compression;

namespace Montage.Grpc.Protocol;

/// <summary>
/// Per-message compression. Only gzip is offered (plus identity); a message compressed with anything else
/// is answered with UNIMPLEMENTED by the receiver.
/// </summary>
public static class MessageCompression
{
    public const string Gzip = "gzip";

    /// <summary>What we advertise in <c>grpc-accept-encoding</c>.</summary>
    public const string AcceptEncoding = "identity,gzip";

    public static bool IsSupported(string? encoding) =>
        encoding is null || encoding.Equals(Gzip, StringComparison.OrdinalIgnoreCase)
        || encoding.Equals(GrpcProtocol.IdentityEncoding, StringComparison.OrdinalIgnoreCase);

    public static byte[] Compress(ReadOnlySpan<byte> data)
    {
        using var output = new MemoryStream(data.Length / 2 + 32);
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    /// <summary>
    /// Decompresses a message, refusing to inflate beyond <paramref name="maxSize"/> bytes so that a small
    /// compressed message cannot exhaust memory.
    /// </summary>
    public static byte[] Decompress(ReadOnlyMemory<byte> data, int maxSize)
    {
        using var input = new MemoryStream(data.ToArray(), writable: false);
        using var gzip = new GZipStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int read;
        try
        {
            while ((read = gzip.Read(buffer, 0, buffer.Length)) > 0)
            {
                if (output.Length + read > maxSize)
                {
                    throw new RpcException(StatusCode.ResourceExhausted, $"Received message exceeds the maximum size of {maxSize} bytes after decompression.");
                }

                output.Write(buffer, 0, read);
            }
        }
        catch (InvalidDataException)
        {
            throw new RpcException(StatusCode.Internal, "Received a compressed message that is not valid gzip.");
        }

        return output.ToArray();
    }
}
