using System.Buffers.Binary;
using System.Collections.Frozen;
using Montage.Grpc;

namespace Montage.Gateway.Forwarding;

/// <summary>
/// Follows the gRPC frames that come after the first message of a forwarded request stream, to refuse a message that
/// sets an owner-carrying field. Only frame headers and top-level field keys are looked at, byte by byte wherever the
/// reads happen to split them; field contents (a 1 MiB chunk) are skipped in bulk. Nothing is buffered or copied, so
/// the bytes pass on unchanged once scanned. Groups (never written by proto3) are refused as malformed: their
/// contents could not be skipped without following nested fields.
/// </summary>
internal sealed class LaterMessageScanner(FrozenSet<int> refusedFields, string methodName, string allowedDescription)
{
    private const int WireVarint = 0;
    private const int WireFixed64 = 1;
    private const int WireLengthDelimited = 2;
    private const int WireFixed32 = 5;
    private const int MaxFieldNumber = (1 << 29) - 1;

    private readonly byte[] _header = new byte[GrpcFrames.HeaderLength];
    private State _state = State.FrameHeader;
    private int _headerCount;
    private long _messageRemaining;
    private ulong _varint;
    private int _varintShift;
    private long _skip;

    private enum State
    {
        FrameHeader,
        Tag,
        VarintValue,
        Length,
        Skip,
    }

    /// <summary>Scans the next bytes of the stream; a refusal means they must not be forwarded.</summary>
    public GrpcRefusal? Scan(ReadOnlySpan<byte> data)
    {
        var i = 0;
        while (i < data.Length)
        {
            if (_state == State.FrameHeader)
            {
                _header[_headerCount++] = data[i++];
                if (_headerCount < GrpcFrames.HeaderLength)
                {
                    continue;
                }

                _headerCount = 0;
                if (GrpcFrames.CheckFlag(_header[0]) is { } refusal)
                {
                    return refusal;
                }

                _messageRemaining = BinaryPrimitives.ReadUInt32BigEndian(_header.AsSpan(1));
                _state = _messageRemaining == 0 ? State.FrameHeader : State.Tag;
                continue;
            }

            if (_state == State.Skip)
            {
                var skipped = (int)Math.Min(_skip, data.Length - i);
                i += skipped;
                _skip -= skipped;
                _messageRemaining -= skipped;
                if (_skip == 0)
                {
                    EndField();
                }

                continue;
            }

            // A varint: a field key, a varint value or a length prefix.
            var b = data[i++];
            _messageRemaining--;
            if (_varintShift > 63)
            {
                return GrpcFrames.Malformed("A varint in a request message is longer than 10 bytes.");
            }

            _varint |= (ulong)(b & 0x7F) << _varintShift;
            _varintShift += 7;
            if ((b & 0x80) != 0)
            {
                if (_messageRemaining == 0)
                {
                    return GrpcFrames.Malformed("A request message ends in the middle of a varint.");
                }

                continue;
            }

            var value = _varint;
            _varint = 0;
            _varintShift = 0;
            if (Complete(value) is { } failure)
            {
                return failure;
            }
        }

        return null;
    }

    /// <summary>The client finished sending: a frame left incomplete is malformed.</summary>
    public GrpcRefusal? End() =>
        _state == State.FrameHeader && _headerCount == 0 ? null : GrpcFrames.Malformed("The stream ended in the middle of a message.");

    private GrpcRefusal? Complete(ulong value)
    {
        switch (_state)
        {
            case State.Tag:
                var fieldNumber = value >> 3;
                var wireType = (int)(value & 7);
                if (fieldNumber is 0 or > MaxFieldNumber)
                {
                    return GrpcFrames.Malformed($"A request message has an invalid field number {fieldNumber}.");
                }

                if (refusedFields.Contains((int)fieldNumber))
                {
                    return new GrpcRefusal(StatusCode.InvalidArgument,
                        $"Only the first message of {methodName} may name an owner; later messages may carry {allowedDescription} only.");
                }

                return wireType switch
                {
                    WireVarint => Expect(State.VarintValue),
                    WireLengthDelimited => Expect(State.Length),
                    WireFixed64 => StartSkip(8),
                    WireFixed32 => StartSkip(4),
                    _ => GrpcFrames.Malformed($"A request message uses wire type {wireType}, which the gateway does not forward."),
                };

            case State.Length:
                return StartSkip(value);

            default:
                EndField();
                return null;
        }
    }

    private GrpcRefusal? Expect(State next)
    {
        if (_messageRemaining == 0)
        {
            return GrpcFrames.Malformed("A request message ends after a field key.");
        }

        _state = next;
        return null;
    }

    private GrpcRefusal? StartSkip(ulong length)
    {
        if (length > (ulong)_messageRemaining)
        {
            return GrpcFrames.Malformed("A field of a request message runs past the end of its message.");
        }

        _skip = (long)length;
        if (_skip == 0)
        {
            EndField();
        }
        else
        {
            _state = State.Skip;
        }

        return null;
    }

    private void EndField() => _state = _messageRemaining == 0 ? State.FrameHeader : State.Tag;
}
