using System.Buffers.Binary;
using Montage.Grpc;

namespace Montage.Gateway.Forwarding;

/// <summary>Why the gateway refuses a forwarded call, as the gRPC status the client gets.</summary>
internal sealed record GrpcRefusal(StatusCode Code, string Message);

/// <summary>
/// gRPC length-prefixed messages (a compressed flag, a 4-byte big-endian length, the message) as the gateway reads
/// and writes them, with the statuses a gRPC server answers for broken ones: INTERNAL for a malformed frame,
/// RESOURCE_EXHAUSTED above the size limit.
/// </summary>
internal static class GrpcFrames
{
    public const int HeaderLength = 5;

    /// <summary>Largest request message the gateway reads to rewrite (the services' own default limit).</summary>
    public const int MaxRewrittenMessageBytes = 4 * 1024 * 1024;

    public static GrpcRefusal Malformed(string message) => new(StatusCode.Internal, message);

    /// <summary>
    /// The gateway inspects every message it forwards, so it takes uncompressed ones only; any flag but 0 and 1 is
    /// malformed.
    /// </summary>
    public static GrpcRefusal? CheckFlag(byte flag) => flag switch
    {
        0 => null,
        1 => new GrpcRefusal(StatusCode.Unimplemented, "The gateway accepts uncompressed request messages only."),
        _ => Malformed($"Invalid compressed flag {flag} in a message header."),
    };

    /// <summary>
    /// Reads exactly one message from the start of <paramref name="body"/> and nothing after it, so that the rest of the
    /// stream can be passed on as it is. Null payload and null refusal: the stream was empty.
    /// </summary>
    public static async Task<(byte[]? Payload, GrpcRefusal? Refusal)> ReadFirstAsync(Stream body, CancellationToken cancellationToken)
    {
        var header = new byte[HeaderLength];
        var read = await body.ReadAtLeastAsync(header, HeaderLength, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            return (null, null);
        }

        if (read < HeaderLength)
        {
            return (null, Malformed("The stream ended in the middle of a message header."));
        }

        if (CheckFlag(header[0]) is { } refusal)
        {
            return (null, refusal);
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(1));
        if (length > MaxRewrittenMessageBytes)
        {
            return (null, new GrpcRefusal(StatusCode.ResourceExhausted,
                $"The first request message is {length} bytes; the gateway rewrites messages of at most {MaxRewrittenMessageBytes} bytes."));
        }

        var payload = new byte[length];
        read = length == 0 ? 0 : await body.ReadAtLeastAsync(payload, payload.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        return read < length ? (null, Malformed("The stream ended in the middle of a message.")) : (payload, null);
    }

    /// <summary>A message as one uncompressed frame.</summary>
    public static byte[] Frame(ReadOnlySpan<byte> payload)
    {
        var frame = new byte[HeaderLength + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame.AsSpan(HeaderLength));
        return frame;
    }
}
