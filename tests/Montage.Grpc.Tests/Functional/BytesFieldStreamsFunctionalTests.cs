using System.Text;
using Montage.Grpc.Client;
using Montage.Grpc.Testing;
using Montage.Grpc.Testing.V1;
using Montage.Grpc.Tests.Infrastructure;

namespace Montage.Grpc.Tests.Functional;

/// <summary>
/// The client's bytes-field paths (<see cref="IBytesFieldStreamWriter{T}"/>, <see cref="IBytesFieldStreamReader{T}"/>)
/// against the real server: what they send must be the message itself, and what they hand over must be its bytes.
/// </summary>
public sealed class BytesFieldStreamsFunctionalTests(GrpcServerFixture server) : IClassFixture<GrpcServerFixture>
{
    private static readonly Method<EchoRequest, EchoResponse> ClientStream = Method<EchoRequest, EchoResponse>.FromDescriptor(EchoService.Descriptor.FindMethodByName("ClientStream"));
    private static readonly Method<StreamRequest, EchoResponse> ServerStream = Method<StreamRequest, EchoResponse>.FromDescriptor(EchoService.Descriptor.FindMethodByName("ServerStream"));

    [Theory]
    [InlineData(null)]
    [InlineData("gzip")]
    public async Task Bytes_field_writes_arrive_as_the_messages_they_encode(string? compression)
    {
        using var channel = GrpcChannel.ForAddress(server.GrpcAddress, new GrpcChannelOptions { CompressionEncoding = compression });
        using var call = channel.CreateCallInvoker().AsyncClientStreamingCall(ClientStream, null, Options());
        var writer = Assert.IsAssignableFrom<IBytesFieldStreamWriter<EchoRequest>>(call.RequestStream);

        // EchoRequest.message (field 1) is length-delimited: a message of only that field is a bytes-field message.
        var large = new string('x', 100_000);
        foreach (var part in new[] { "a", string.Empty, large })
        {
            await writer.WriteBytesFieldAsync(EchoRequest.MessageFieldNumber, Encoding.UTF8.GetBytes(part));
        }

        await writer.WriteAsync(new EchoRequest { Message = "-end" });
        await writer.CompleteAsync();
        var response = await call.ResponseAsync;

        Assert.Equal(4, response.Count);
        Assert.Equal("a" + large + "-end", response.Message);
    }

    [Fact]
    public async Task A_bytes_field_write_over_the_send_limit_fails_before_sending()
    {
        using var channel = GrpcChannel.ForAddress(server.GrpcAddress, new GrpcChannelOptions { MaxSendMessageSize = 1000 });
        using var call = channel.CreateCallInvoker().AsyncClientStreamingCall(ClientStream, null, Options());
        var writer = (IBytesFieldStreamWriter<EchoRequest>)call.RequestStream;

        var error = await Assert.ThrowsAsync<RpcException>(() => writer.WriteBytesFieldAsync(EchoRequest.MessageFieldNumber, new byte[1000]));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task Payload_only_messages_are_handed_over_as_bytes_and_others_parsed()
    {
        using var channel = GrpcChannel.ForAddress(server.GrpcAddress);
        var request = new StreamRequest { Message = ObservedEchoService.PayloadOnly, Count = 6, ResponseSize = 70_000 };
        using var call = channel.CreateCallInvoker().AsyncServerStreamingCall(ServerStream, null, Options(), request);
        var reader = Assert.IsAssignableFrom<IBytesFieldStreamReader<EchoResponse>>(call.ResponseStream);

        for (var index = 0; index < 6; index++)
        {
            var read = await reader.ReadBytesFieldOrMessageAsync(EchoResponse.PayloadFieldNumber, CancellationToken.None);
            if (index % 2 == 0)
            {
                Assert.Equal(BytesFieldRead.Bytes, read);
                Assert.Equal(ObservedEchoService.PayloadOf(index, 70_000), reader.CurrentBytes.ToArray());
            }
            else
            {
                Assert.Equal(BytesFieldRead.Message, read);
                Assert.True(reader.CurrentBytes.IsEmpty);
                Assert.Equal(index, reader.Current.Index);
                Assert.Equal(ObservedEchoService.PayloadOf(index, 70_000), reader.Current.Payload.ToByteArray());
            }
        }

        Assert.Equal(BytesFieldRead.End, await reader.ReadBytesFieldOrMessageAsync(EchoResponse.PayloadFieldNumber, CancellationToken.None));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Compressed_messages_are_always_parsed()
    {
        using var channel = GrpcChannel.ForAddress(server.GrpcAddress);
        var request = new StreamRequest { Message = ObservedEchoService.PayloadOnlyCompressed, Count = 2, ResponseSize = 1000 };
        using var call = channel.CreateCallInvoker().AsyncServerStreamingCall(ServerStream, null, Options(), request);
        var reader = (IBytesFieldStreamReader<EchoResponse>)call.ResponseStream;

        Assert.Equal(BytesFieldRead.Message, await reader.ReadBytesFieldOrMessageAsync(EchoResponse.PayloadFieldNumber, CancellationToken.None));
        Assert.Equal(ObservedEchoService.PayloadOf(0, 1000), reader.Current.Payload.ToByteArray());
        Assert.Equal(BytesFieldRead.Message, await reader.ReadBytesFieldOrMessageAsync(EchoResponse.PayloadFieldNumber, CancellationToken.None));
        Assert.Equal(BytesFieldRead.End, await reader.ReadBytesFieldOrMessageAsync(EchoResponse.PayloadFieldNumber, CancellationToken.None));
    }

    [Fact]
    public async Task A_failed_stream_fails_the_bytes_field_read_with_its_status()
    {
        using var channel = GrpcChannel.ForAddress(server.GrpcAddress);
        var request = new StreamRequest { Message = "m", Count = 5, FailAfter = 2, FailCode = (int)StatusCode.Aborted };
        using var call = channel.CreateCallInvoker().AsyncServerStreamingCall(ServerStream, null, Options(), request);
        var reader = (IBytesFieldStreamReader<EchoResponse>)call.ResponseStream;

        Assert.Equal(BytesFieldRead.Message, await reader.ReadBytesFieldOrMessageAsync(EchoResponse.PayloadFieldNumber, CancellationToken.None));
        Assert.Equal(BytesFieldRead.Message, await reader.ReadBytesFieldOrMessageAsync(EchoResponse.PayloadFieldNumber, CancellationToken.None));
        var error = await Assert.ThrowsAsync<RpcException>(() => reader.ReadBytesFieldOrMessageAsync(EchoResponse.PayloadFieldNumber, CancellationToken.None));

        Assert.Equal(StatusCode.Aborted, error.StatusCode);
    }

    private static CallOptions Options() => new(deadline: DateTime.UtcNow.AddMinutes(2));
}
