using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Google.Protobuf;

namespace Montage.Grpc.Protocol;

/// <summary>How received messages are read: the size limit and the sender's <c>grpc-encoding</c>.</summary>
public readonly record struct MessageReadOptions(int MaxMessageSize, string? Encoding);

/// <summary>How messages are written: the size limit and the encoding to compress with (null: none).</summary>
public readonly record struct MessageWriteOptions(int? MaxMessageSize, string? CompressEncoding);

/// <summary>
/// gRPC length-prefixed messages: a compressed-flag byte, a 4-byte big-endian length, the protobuf bytes.
/// Works on pipes so that the server reads straight from Kestrel's buffers and the client from the response body.
/// </summary>
public static class MessageFraming
{
    /// <summary>
    /// Reads the next message, or returns null at a clean end of stream. The size limit is checked as soon as
    /// the length prefix arrives, before the body is buffered.
    /// </summary>
    public static async ValueTask<T?> ReadMessageAsync<T>(PipeReader reader, MessageParser<T> parser, MessageReadOptions options, CancellationToken cancellationToken)
        where T : class, IMessage<T>
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (TryReadMessage(ref buffer, parser, options, out var message))
            {
                reader.AdvanceTo(buffer.Start);
                return message;
            }

            if (result.IsCompleted)
            {
                var leftover = buffer.Length;
                reader.AdvanceTo(buffer.End);
                if (leftover == 0)
                {
                    return null;
                }

                throw new RpcException(StatusCode.Internal, "The stream ended in the middle of a message.");
            }

            if (result.IsCanceled)
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
                throw new OperationCanceledException(cancellationToken);
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>
    /// Parses one whole message from the front of <paramref name="buffer"/> and slices it off; false when the
    /// buffer does not hold a whole message yet.
    /// </summary>
    public static bool TryReadMessage<T>(ref ReadOnlySequence<byte> buffer, MessageParser<T> parser, MessageReadOptions options, out T? message)
        where T : class, IMessage<T>
    {
        message = null;
        if (buffer.Length < GrpcProtocol.MessageHeaderSize)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[GrpcProtocol.MessageHeaderSize];
        buffer.Slice(0, GrpcProtocol.MessageHeaderSize).CopyTo(header);
        var compressed = header[0] switch
        {
            0 => false,
            1 => true,
            _ => throw new RpcException(StatusCode.Internal, $"Invalid compressed flag {header[0]} in a message header."),
        };
        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (length > (uint)options.MaxMessageSize)
        {
            throw new RpcException(StatusCode.ResourceExhausted, $"Received message of {length} bytes exceeds the maximum size of {options.MaxMessageSize} bytes.");
        }

        if (buffer.Length < GrpcProtocol.MessageHeaderSize + length)
        {
            return false;
        }

        var payload = buffer.Slice(GrpcProtocol.MessageHeaderSize, length);
        message = Parse(payload, compressed, parser, options);
        buffer = buffer.Slice(payload.End);
        return true;
    }

    /// <summary>Writes one message into the pipe (not flushed).</summary>
    public static void WriteMessage<T>(PipeWriter writer, T message, MessageWriteOptions options)
        where T : IMessage<T>
    {
        var size = message.CalculateSize();
        if (options.MaxMessageSize is { } max && size > max)
        {
            throw new RpcException(StatusCode.ResourceExhausted, $"Sending message of {size} bytes exceeds the maximum size of {max} bytes.");
        }

        if (options.CompressEncoding is { } encoding && !encoding.Equals(GrpcProtocol.IdentityEncoding, StringComparison.OrdinalIgnoreCase))
        {
            var compressed = MessageCompression.Compress(message.ToByteArray());
            var frame = writer.GetSpan(GrpcProtocol.MessageHeaderSize + compressed.Length);
            frame[0] = 1;
            BinaryPrimitives.WriteUInt32BigEndian(frame[1..], (uint)compressed.Length);
            compressed.CopyTo(frame[GrpcProtocol.MessageHeaderSize..]);
            writer.Advance(GrpcProtocol.MessageHeaderSize + compressed.Length);
            return;
        }

        var span = writer.GetSpan(GrpcProtocol.MessageHeaderSize + size);
        span[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)size);
        message.WriteTo(span.Slice(GrpcProtocol.MessageHeaderSize, size));
        writer.Advance(GrpcProtocol.MessageHeaderSize + size);
    }

    internal static T Parse<T>(ReadOnlySequence<byte> payload, bool compressed, MessageParser<T> parser, MessageReadOptions options)
        where T : class, IMessage<T>
    {
        try
        {
            if (!compressed)
            {
                return parser.ParseFrom(payload);
            }

            if (options.Encoding is null || options.Encoding.Equals(GrpcProtocol.IdentityEncoding, StringComparison.OrdinalIgnoreCase))
            {
                throw new RpcException(StatusCode.Internal, "A message is marked compressed but the stream declares no grpc-encoding.");
            }

            if (!options.Encoding.Equals(MessageCompression.Gzip, StringComparison.OrdinalIgnoreCase))
            {
                throw new RpcException(StatusCode.Unimplemented, $"Unsupported grpc-encoding '{options.Encoding}'.");
            }

            return parser.ParseFrom(MessageCompression.Decompress(payload.ToArray(), options.MaxMessageSize));
        }
        catch (InvalidProtocolBufferException)
        {
            throw new RpcException(StatusCode.Internal, $"Failed to parse a {typeof(T).Name} message.");
        }
    }
}
