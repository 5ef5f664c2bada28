using System.Buffers;
using System.Buffers.Binary;
using Google.Protobuf;
using Montage.Grpc.Protocol;

namespace Montage.Grpc.Client;

/// <summary>
/// Reads length-prefixed messages from a response body straight into one pooled buffer, grown to the largest message:
/// a large message arrives in a few large reads instead of many pipe segments, and a small response costs no
/// allocation of its own. The buffer goes back to the pool only from the read path itself, when the body ends or a read
/// fails, so no read can still be writing into it; a reader abandoned mid-stream leaves its buffer to the GC.
/// </summary>
internal sealed class ResponseMessageReader
{
    private const int InitialBufferSize = 4096;

    private readonly Stream _stream;
    private byte[]? _buffer = ArrayPool<byte>.Shared.Rent(InitialBufferSize);
    private int _start;
    private int _end;
    private bool _failed;

    public ResponseMessageReader(Stream stream) => _stream = stream;

    /// <summary>
    /// The bytes of the message the last read handed over unparsed (see <see cref="ReadAsync"/>), in place in the
    /// buffer and valid until the next read; null when the last read parsed a message or found the end.
    /// </summary>
    public ReadOnlyMemory<byte>? LastBytes { get; private set; }

    /// <summary>
    /// Reads the next message, or returns null at a clean end of the body. The size limit is checked as soon as the
    /// length prefix arrives, before the message is buffered. An uncompressed message holding only field
    /// <paramref name="bytesField"/> (0: none) is not parsed: null is returned and its bytes are in <see cref="LastBytes"/>.
    /// (The bytes are not part of the result so that the ordinary read's state machine stays as small as it was.)
    /// </summary>
    public async ValueTask<T?> ReadAsync<T>(MessageParser<T> parser, MessageReadOptions options, int bytesField, CancellationToken cancellationToken)
        where T : class, IMessage<T>
    {
        LastBytes = null;
        if (_buffer is null)
        {
            return _failed ? throw new InvalidOperationException("The response body already failed.") : null;
        }

        var done = true;
        var failed = true;
        try
        {
            if (!await FillAsync(GrpcProtocol.MessageHeaderSize, cancellationToken).ConfigureAwait(false))
            {
                failed = _end != _start;
                return failed ? throw new RpcException(StatusCode.Internal, "The stream ended in the middle of a message.") : null;
            }

            var header = _buffer.AsSpan(_start, GrpcProtocol.MessageHeaderSize);
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

            var frameLength = GrpcProtocol.MessageHeaderSize + (int)length;
            if (!await FillAsync(frameLength, cancellationToken).ConfigureAwait(false))
            {
                throw new RpcException(StatusCode.Internal, "The stream ended in the middle of a message.");
            }

            var payloadStart = _start + GrpcProtocol.MessageHeaderSize;
            if (bytesField > 0 && !compressed && BytesFieldMessage.TryGetPayload(_buffer.AsSpan(payloadStart, (int)length), bytesField, out var offset))
            {
                // The bytes stay where they are until the next read: only then may the buffer be compacted or refilled.
                LastBytes = _buffer.AsMemory(payloadStart + offset, (int)length - offset);
                Consume(frameLength);
                done = false;
                return null;
            }

            var payload = new ReadOnlySequence<byte>(_buffer, payloadStart, (int)length);
            var message = MessageFraming.Parse(payload, compressed, parser, options);
            Consume(frameLength);
            done = false;
            return message;
        }
        finally
        {
            if (done)
            {
                _failed = failed;
                Release();
            }
        }
    }

    private void Consume(int frameLength)
    {
        _start += frameLength;
        if (_start == _end)
        {
            _start = _end = 0;
        }
    }

    /// <summary>Makes sure <paramref name="count"/> unread bytes are buffered; false if the body ends first.</summary>
    private async ValueTask<bool> FillAsync(int count, CancellationToken cancellationToken)
    {
        while (_end - _start < count)
        {
            var buffer = _buffer!;
            if (buffer.Length - _start < count)
            {
                // Move the unread bytes to the front, into a larger buffer when the message does not fit.
                var target = buffer.Length < count ? ArrayPool<byte>.Shared.Rent(count) : buffer;
                buffer.AsSpan(_start, _end - _start).CopyTo(target);
                _end -= _start;
                _start = 0;
                if (!ReferenceEquals(target, buffer))
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    _buffer = buffer = target;
                }
            }

            var read = await _stream.ReadAsync(buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return false;
            }

            _end += read;
        }

        return true;
    }

    private void Release()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
