using Google.Protobuf;
using Montage.Grpc.Protocol;
using Montage.Grpc.Testing.V1;

namespace Montage.Grpc.Tests.Unit;

/// <summary>The one-bytes-field message shape, against what Google.Protobuf itself writes and parses.</summary>
public sealed class BytesFieldMessageUnitTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(127)]
    [InlineData(128)]
    [InlineData(16_384)]
    [InlineData(70_000)]
    [InlineData(2_100_000)]
    public void Prefix_and_bytes_are_the_protobuf_encoding_of_the_message(int size)
    {
        var bytes = Bytes(size);
        var message = Write(EchoResponse.PayloadFieldNumber, bytes);

        // What protobuf writes for a set field (a bytes field in a oneof is written even when empty).
        var expected = new MemoryStream();
        var output = new CodedOutputStream(expected);
        output.WriteTag(EchoResponse.PayloadFieldNumber, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(bytes));
        output.Flush();
        Assert.Equal(expected.ToArray(), message);
        Assert.Equal(bytes, EchoResponse.Parser.ParseFrom(message).Payload.ToByteArray());
        Assert.True(BytesFieldMessage.TryGetPayload(message, EchoResponse.PayloadFieldNumber, out var offset));
        Assert.Equal(bytes, message[offset..]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(2047)]
    [InlineData(2048)]
    [InlineData(536_870_911)]
    public void Field_numbers_with_tags_of_several_bytes_round_trip(int fieldNumber)
    {
        var message = Write(fieldNumber, [1, 2, 3]);

        var input = new CodedInputStream(message);
        Assert.Equal(WireFormat.MakeTag(fieldNumber, WireFormat.WireType.LengthDelimited), input.ReadTag());
        Assert.Equal([1, 2, 3], input.ReadBytes().ToByteArray());
        Assert.True(input.IsAtEnd);
        Assert.True(BytesFieldMessage.TryGetPayload(message, fieldNumber, out var offset));
        Assert.Equal([1, 2, 3], message[offset..]);
    }

    [Fact]
    public void Messages_of_any_other_shape_are_not_taken_for_the_field()
    {
        var payload = EchoResponse.PayloadFieldNumber;
        var full = new EchoResponse { Payload = ByteString.CopyFrom([1, 2]), Count = 1 }.ToByteArray();
        var otherField = new EchoResponse { Message = "text" }.ToByteArray();
        byte[] varintField = [0x10, 0x05];
        byte[] shortLength = [0x1A, 0x03, 1, 2];
        byte[] longLength = [0x1A, 0x01, 1, 2];
        byte[] truncatedVarint = [0x1A, 0x80];

        Assert.False(BytesFieldMessage.TryGetPayload(full, payload, out _));
        Assert.False(BytesFieldMessage.TryGetPayload(otherField, payload, out _));
        Assert.False(BytesFieldMessage.TryGetPayload(varintField, 2, out _));
        Assert.False(BytesFieldMessage.TryGetPayload(shortLength, payload, out _));
        Assert.False(BytesFieldMessage.TryGetPayload(longLength, payload, out _));
        Assert.False(BytesFieldMessage.TryGetPayload(truncatedVarint, payload, out _));
        Assert.False(BytesFieldMessage.TryGetPayload([], payload, out _));
        Assert.False(BytesFieldMessage.TryGetPayload(Write(payload, [9]), 0, out _));
    }

    [Fact]
    public void A_field_written_with_a_padded_length_varint_is_still_recognised()
    {
        // Length 2 as a two-byte varint (0x82 0x00): valid protobuf that Google.Protobuf parses too.
        byte[] message = [0x1A, 0x82, 0x00, 7, 8];

        Assert.Equal([7, 8], EchoResponse.Parser.ParseFrom(message).Payload.ToByteArray());
        Assert.True(BytesFieldMessage.TryGetPayload(message, EchoResponse.PayloadFieldNumber, out var offset));
        Assert.Equal(3, offset);
    }

    private static byte[] Write(int fieldNumber, byte[] bytes)
    {
        var prefix = new byte[BytesFieldMessage.MaxPrefixSize];
        var length = BytesFieldMessage.WritePrefix(prefix, fieldNumber, bytes.Length);
        return [.. prefix.AsSpan(0, length), .. bytes];
    }

    private static byte[] Bytes(int size)
    {
        var bytes = new byte[size];
        new Random(size).NextBytes(bytes);
        return bytes;
    }
}
