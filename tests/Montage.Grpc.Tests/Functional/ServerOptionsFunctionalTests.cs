using Google.Protobuf;
using Montage.Grpc.Server;
using Montage.Grpc.Testing.V1;
using Montage.Grpc.Tests.Infrastructure;

namespace Montage.Grpc.Tests.Functional;

/// <summary>A server with small message limits, detailed errors and no response compression.</summary>
public sealed class SmallLimitsServerFixture : GrpcServerFixture
{
    public const int MaxReceive = 1024;
    public const int MaxSend = 2048;

    protected override void ConfigureGrpc(GrpcServiceOptions options)
    {
        options.MaxReceiveMessageSize = MaxReceive;
        options.MaxSendMessageSize = MaxSend;
        options.EnableDetailedErrors = true;
        options.ResponseCompressionAlgorithm = null;
    }
}

public sealed class ServerOptionsFunctionalTests(SmallLimitsServerFixture server) : IClassFixture<SmallLimitsServerFixture>
{
    private const string EchoPath = "/montage.testing.v1.EchoService/Echo";

    [Fact]
    public async Task Configured_receive_limit_refuses_larger_messages()
    {
        var request = new EchoRequest { Payload = ByteString.CopyFrom(new byte[SmallLimitsServerFixture.MaxReceive + 1]) };

        var result = await GrpcWire.CallAsync(server.Client, GrpcWire.Request(EchoPath, GrpcWire.Body(request)), EchoResponse.Parser);

        Assert.Equal((int)StatusCode.ResourceExhausted, result.Status);
    }

    [Fact]
    public async Task Send_limit_turns_a_too_large_response_into_resource_exhausted()
    {
        var request = new EchoRequest { ResponseSize = SmallLimitsServerFixture.MaxSend + 1 };

        var result = await GrpcWire.CallAsync(server.Client, GrpcWire.Request(EchoPath, GrpcWire.Body(request)), EchoResponse.Parser);

        Assert.Equal((int)StatusCode.ResourceExhausted, result.Status);
        Assert.Empty(result.Messages);
    }

    [Fact]
    public async Task Send_limit_mid_stream_ends_the_stream_with_resource_exhausted()
    {
        var content = new StreamingContent();
        var call = server.Client.SendAsync(GrpcWire.Request("/montage.testing.v1.EchoService/Duplex", content), HttpCompletionOption.ResponseHeadersRead);
        content.Write(new EchoRequest { Message = "small" });
        content.Write(new EchoRequest { Message = "large", ResponseSize = SmallLimitsServerFixture.MaxSend + 1 });
        content.Complete();

        var result = await GrpcWire.ReadToEndAsync(await call, EchoResponse.Parser);

        Assert.Equal("small", Assert.Single(result.Messages).Message);
        Assert.Equal((int)StatusCode.ResourceExhausted, result.Status);
    }

    [Fact]
    public async Task Detailed_errors_name_the_exception_when_enabled()
    {
        var request = new EchoRequest { Message = ObservedEchoService.ThrowPrefix + "the reason" };

        var result = await GrpcWire.CallAsync(server.Client, GrpcWire.Request(EchoPath, GrpcWire.Body(request)), EchoResponse.Parser);

        Assert.Equal((int)StatusCode.Internal, result.Status);
        Assert.Equal("Exception was thrown by handler. InvalidOperationException: the reason", result.StatusMessage);
    }

    [Fact]
    public async Task Responses_stay_uncompressed_without_a_configured_algorithm()
    {
        var request = GrpcWire.Request(EchoPath, GrpcWire.Body(new EchoRequest { Message = "plain", ResponseSize = 512 }));
        request.Headers.Add("grpc-accept-encoding", "gzip");

        var result = await GrpcWire.CallAsync(server.Client, request, EchoResponse.Parser);

        Assert.Null(GrpcWire.Encoding(result.Response));
        Assert.Equal("plain", Assert.Single(result.Messages).Message);
    }
}
