using Grpc.Health.V1;
using Montage.Grpc.Testing.V1;
using Montage.Grpc.Tests.Infrastructure;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Montage.Grpc.Tests.Functional;

/// <summary>A server that shuts down while calls run: handlers are cancelled, watchers hear NOT_SERVING.</summary>
public sealed class ShutdownFunctionalTests(GrpcServerFixture server) : IClassFixture<GrpcServerFixture>
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Shutdown_cancels_running_calls_and_ends_health_watches_with_not_serving()
    {
        var watchRequest = GrpcWire.Request("/grpc.health.v1.Health/Watch", GrpcWire.Body(new HealthCheckRequest()));
        using var watch = await server.Client.SendAsync(watchRequest, HttpCompletionOption.ResponseHeadersRead).WaitAsync(Generous);
        var watchBody = await watch.Content.ReadAsStreamAsync();
        var serving = await GrpcWire.ReadMessageAsync(watchBody, HealthCheckResponse.Parser, null).WaitAsync(Generous);

        var streamRequest = GrpcWire.Request(
            "/montage.testing.v1.EchoService/ServerStream", GrpcWire.Body(new StreamRequest { Message = "tick", Count = 1000, IntervalMs = 1000 }));
        streamRequest.Headers.Add(CallProbe.Header, "shutdown");
        using var stream = await server.Client.SendAsync(streamRequest, HttpCompletionOption.ResponseHeadersRead).WaitAsync(Generous);
        var streamBody = await stream.Content.ReadAsStreamAsync();
        await GrpcWire.ReadMessageAsync(streamBody, EchoResponse.Parser, null).WaitAsync(Generous);

        var stopping = server.StopAsync();
        await server.Probe.WhenCancelled("shutdown").WaitAsync(Generous);
        var notServing = await GrpcWire.ReadMessageAsync(watchBody, HealthCheckResponse.Parser, null).WaitAsync(Generous);
        var watchEnd = await GrpcWire.ReadMessageAsync(watchBody, HealthCheckResponse.Parser, null).WaitAsync(Generous);
        var streamEnd = await GrpcWire.ReadMessageAsync(streamBody, EchoResponse.Parser, null).WaitAsync(Generous);
        await stopping.WaitAsync(Generous);

        Assert.Equal(ServingStatus.Serving, serving!.Status);
        Assert.Equal(ServingStatus.NotServing, notServing!.Status);
        Assert.Null(watchEnd);
        Assert.Equal("0", watch.TrailingHeaders.GetValues("grpc-status").Single());
        Assert.Null(streamEnd);
        Assert.Equal(((int)StatusCode.Unavailable).ToString(), stream.TrailingHeaders.GetValues("grpc-status").Single());
    }
}
