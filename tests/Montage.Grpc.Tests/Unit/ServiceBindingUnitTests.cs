using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Montage.Grpc.Testing;
using Montage.Grpc.Testing.V1;

namespace Montage.Grpc.Tests.Unit;

/// <summary>Binding service classes to descriptors at startup; nothing is started, no socket is opened.</summary>
public sealed class ServiceBindingUnitTests
{
    [Fact]
    public async Task Method_with_a_wrong_signature_fails_startup_with_the_expected_shape()
    {
        await using var app = NewApp();

        var error = Assert.Throws<InvalidOperationException>(() => app.MapGrpcService<WrongSignatureService>(EchoService.Descriptor));

        Assert.Contains("WrongSignatureService.Echo does not match the RPC montage.testing.v1.EchoService.Echo", error.Message);
        Assert.Contains("Task<EchoResponse> Echo(EchoRequest request, ServerCallContext context)", error.Message);
    }

    [Fact]
    public async Task Streaming_method_bound_as_unary_fails_startup()
    {
        await using var app = NewApp();

        var error = Assert.Throws<InvalidOperationException>(() => app.MapGrpcService<UnaryDuplexService>(EchoService.Descriptor));

        Assert.Contains("IAsyncStreamReader<EchoRequest> requestStream, IServerStreamWriter<EchoResponse> responseStream", error.Message);
    }

    [Fact]
    public async Task Mapping_a_service_twice_fails()
    {
        await using var app = NewApp();
        app.MapGrpcService<EchoService>();

        Assert.Throws<InvalidOperationException>(() => app.MapGrpcService<EchoService>());
    }

    [Fact]
    public async Task Mapping_without_AddGrpc_says_what_is_missing()
    {
        await using var app = WebApplication.CreateSlimBuilder().Build();

        var error = Assert.Throws<InvalidOperationException>(() => app.MapGrpcService<EchoService>());

        Assert.Contains("AddGrpc", error.Message);
    }

    [Fact]
    public async Task Mapping_health_or_reflection_without_registering_them_says_what_is_missing()
    {
        await using var app = NewApp();

        Assert.Contains("AddGrpcHealthChecks", Assert.Throws<InvalidOperationException>(() => app.MapGrpcHealthChecksService()).Message);
        Assert.Contains("AddGrpcReflection", Assert.Throws<InvalidOperationException>(() => app.MapGrpcReflectionService()).Message);
    }

    [Fact]
    public async Task Unsupported_response_compression_fails_startup()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddGrpc(o => o.ResponseCompressionAlgorithm = "br");
        await using var app = builder.Build();

        Assert.Throws<InvalidOperationException>(() => app.MapGrpcService<EchoService>());
    }

    private static WebApplication NewApp()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddGrpc();
        return builder.Build();
    }

    public sealed class WrongSignatureService
    {
        public Task<EchoResponse> Echo(EchoRequest request) => Task.FromResult(new EchoResponse { Message = request.Message });
    }

    public sealed class UnaryDuplexService
    {
        public Task<EchoResponse> Duplex(EchoRequest request, ServerCallContext context) => Task.FromResult(new EchoResponse());
    }
}
