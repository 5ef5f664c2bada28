using System.Buffers;
using System.IO.Pipelines;
using Google.Protobuf;
using Montage.Grpc.Protocol;
using Montage.Grpc.Testing;
using Montage.Grpc.Testing.V1;

namespace Montage.Grpc.Tests.Unit;

public sealed class MessageFramingUnitTests
{
    private static readonly MessageReadOptions Plain = new(GrpcProtocol.DefaultMaxReceiveMessageSize, null);

    [Fact]
    public void Written_frame_has_flag_big_endian_length_and_payload()
    {
        var message = new EchoRequest { Message = "hello" };
        var pipe = new Pipe();

        MessageFraming.WriteMessage(pipe.Writer, message, new MessageWriteOptions(null, null));
        pipe.Writer.Complete();
        pipe.Reader.TryRead(out var result);
        var bytes = result.Buffer.ToArray();

        var payload = message.ToByteArray();
        Assert.Equal([0, 0, 0, 0, (byte)payload.Length], bytes[..5]);
        Assert.Equal(payload, bytes[5..]);
    }

    [Fact]
    public void Message_split_across_buffer_segments_is_read_whole()
    {
        var frame = Frame(new EchoRequest { Message = "split across many segments", DelayMs = 7 });
        var buffer = Segmented(frame, 1, 2, 3, 4, 5, 6, 7);

        Assert.True(MessageFraming.TryReadMessage(ref buffer, EchoRequest.Parser, Plain, out var message));

        Assert.Equal("split across many segments", message!.Message);
        Assert.Equal(7, message.DelayMs);
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void Partial_message_is_not_read_until_the_rest_arrives()
    {
        var frame = Frame(new EchoRequest { Message = "wait for me" });
        var partial = new ReadOnlySequence<byte>(frame[..^1]);

        Assert.False(MessageFraming.TryReadMessage(ref partial, EchoRequest.Parser, Plain, out _));
        Assert.Equal(frame.Length - 1, partial.Length);
    }

    [Fact]
    public void Two_messages_in_one_buffer_are_read_one_at_a_time()
    {
        var buffer = new ReadOnlySequence<byte>([.. Frame(new EchoRequest { Message = "a" }), .. Frame(new EchoRequest { Message = "b" })]);

        Assert.True(MessageFraming.TryReadMessage(ref buffer, EchoRequest.Parser, Plain, out var first));
        Assert.True(MessageFraming.TryReadMessage(ref buffer, EchoRequest.Parser, Plain, out var second));

        Assert.Equal(("a", "b"), (first!.Message, second!.Message));
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public async Task Oversize_message_is_refused_as_soon_as_its_header_arrives()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(new byte[] { 0, 0, 0x50, 0, 0 }); // 5 MiB announced, no body sent

        var error = await Assert.ThrowsAsync<RpcException>(
            async () => await MessageFraming.ReadMessageAsync(pipe.Reader, EchoRequest.Parser, Plain, CancellationToken.None));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public void Compressed_flag_with_gzip_encoding_is_inflated()
    {
        var message = new EchoRequest { Message = "compressed", Payload = ByteString.CopyFrom(new byte[1000]) };
        var pipe = new Pipe();
        MessageFraming.WriteMessage(pipe.Writer, message, new MessageWriteOptions(null, MessageCompression.Gzip));
        pipe.Writer.Complete();
        pipe.Reader.TryRead(out var result);
        var buffer = result.Buffer;

        Assert.Equal(1, buffer.FirstSpan[0]);
        Assert.True(buffer.Length < message.CalculateSize());
        Assert.True(MessageFraming.TryReadMessage(ref buffer, EchoRequest.Parser, new MessageReadOptions(int.MaxValue, "gzip"), out var read));
        Assert.Equal(message, read);
    }

    [Fact]
    public void Compressed_flag_without_encoding_is_an_internal_error()
    {
        var buffer = new ReadOnlySequence<byte>([1, 0, 0, 0, 0]);

        var error = Assert.Throws<RpcException>(() => MessageFraming.TryReadMessage(ref buffer, EchoRequest.Parser, Plain, out _));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
    }

    [Fact]
    public void Compressed_flag_with_unknown_encoding_is_unimplemented()
    {
        var buffer = new ReadOnlySequence<byte>([1, 0, 0, 0, 0]);

        var error = Assert.Throws<RpcException>(
            () => MessageFraming.TryReadMessage(ref buffer, EchoRequest.Parser, new MessageReadOptions(1024, "snappy"), out _));

        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }

    [Fact]
    public void Gzip_bomb_is_refused_beyond_the_limit_after_inflation()
    {
        var big = new EchoRequest { Payload = ByteString.CopyFrom(new byte[100_000]) };
        var pipe = new Pipe();
        MessageFraming.WriteMessage(pipe.Writer, big, new MessageWriteOptions(null, MessageCompression.Gzip));
        pipe.Writer.Complete();
        pipe.Reader.TryRead(out var result);
        var buffer = result.Buffer;

        var error = Assert.Throws<RpcException>(
            () => MessageFraming.TryReadMessage(ref buffer, EchoRequest.Parser, new MessageReadOptions(10_000, "gzip"), out _));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public void Invalid_compressed_flag_is_an_internal_error()
    {
        var buffer = new ReadOnlySequence<byte>([2, 0, 0, 0, 0]);

        Assert.Equal(StatusCode.Internal, Assert.Throws<RpcException>(() => MessageFraming.TryReadMessage(ref buffer, EchoRequest.Parser, Plain, out _)).StatusCode);
    }

    [Fact]
    public async Task Stream_ending_inside_a_message_is_an_internal_error()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(Frame(new EchoRequest { Message = "truncated" })[..^2]);
        await pipe.Writer.CompleteAsync();

        var error = await Assert.ThrowsAsync<RpcException>(
            async () => await MessageFraming.ReadMessageAsync(pipe.Reader, EchoRequest.Parser, Plain, CancellationToken.None));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
    }

    [Fact]
    public async Task Clean_end_of_stream_reads_as_null()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(Frame(new EchoRequest { Message = "last" }));
        await pipe.Writer.CompleteAsync();

        var last = await MessageFraming.ReadMessageAsync(pipe.Reader, EchoRequest.Parser, Plain, CancellationToken.None);
        var end = await MessageFraming.ReadMessageAsync(pipe.Reader, EchoRequest.Parser, Plain, CancellationToken.None);

        Assert.Equal("last", last!.Message);
        Assert.Null(end);
    }

    [Fact]
    public async Task Message_arriving_byte_by_byte_through_a_pipe_is_read()
    {
        var pipe = new Pipe();
        var frame = Frame(new EchoRequest { Message = "drip" });
        var read = MessageFraming.ReadMessageAsync(pipe.Reader, EchoRequest.Parser, Plain, CancellationToken.None).AsTask();
        foreach (var b in frame)
        {
            Assert.False(read.IsCompleted);
            await pipe.Writer.WriteAsync(new[] { b });
        }

        Assert.Equal("drip", (await read)!.Message);
    }

    [Fact]
    public void Sending_beyond_the_send_limit_is_resource_exhausted()
    {
        var pipe = new Pipe();

        var error = Assert.Throws<RpcException>(() => MessageFraming.WriteMessage(
            pipe.Writer, new EchoRequest { Payload = ByteString.CopyFrom(new byte[100]) }, new MessageWriteOptions(50, null)));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    private static byte[] Frame(IMessage message)
    {
        var pipe = new Pipe();
        MessageFraming.WriteMessage(pipe.Writer, (EchoRequest)message, new MessageWriteOptions(null, null));
        pipe.Writer.Complete();
        pipe.Reader.TryRead(out var result);
        return result.Buffer.ToArray();
    }

    private static ReadOnlySequence<byte> Segmented(byte[] bytes, params int[] sizes)
    {
        var chunks = new List<byte[]>();
        var offset = 0;
        foreach (var size in sizes)
        {
            if (offset >= bytes.Length)
            {
                break;
            }

            var take = Math.Min(size, bytes.Length - offset);
            chunks.Add(bytes[offset..(offset + take)]);
            offset += take;
        }

        if (offset < bytes.Length)
        {
            chunks.Add(bytes[offset..]);
        }

        var first = new SequenceSegment(chunks[0], 0);
        var last = first;
        foreach (var chunk in chunks.Skip(1))
        {
            last = last.Append(chunk);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }
}
