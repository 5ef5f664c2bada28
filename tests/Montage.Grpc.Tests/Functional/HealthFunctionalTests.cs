using Grpc.Health.V1;
using Montage.Grpc.Tests.Infrastructure;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Montage.Grpc.Tests.Functional;

/// <summary>grpc.health.v1 over HTTP/2, following an ASP.NET Core health check the test switches off and on.</summary>
public sealed class HealthFunctionalTests(GrpcServerFixture server) : IClassFixture<GrpcServerFixture>, IAsyncLifetime
{
    private const string Health = "/grpc.health.v1.Health/";
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    public Task InitializeAsync()
    {
        server.HealthCheck.Healthy = true;
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        server.HealthCheck.Healthy = true;
        return Task.CompletedTask;
    }

    [Theory]
    [InlineData("")]
    [InlineData("montage.testing.v1.EchoService")]
    [InlineData("grpc.health.v1.Health")]
    public async Task Check_reports_serving_for_the_server_and_each_mapped_service(string service)
    {
        Assert.Equal(ServingStatus.Serving, await CheckAsync(service));
    }

    [Fact]
    public async Task Check_reports_not_serving_when_a_check_fails()
    {
        server.HealthCheck.Healthy = false;

        Assert.Equal(ServingStatus.NotServing, await CheckAsync(""));
        Assert.Equal(ServingStatus.NotServing, await CheckAsync("montage.testing.v1.EchoService"));
    }

    [Fact]
    public async Task Check_of_an_unknown_service_is_not_found()
    {
        var result = await GrpcWire.CallAsync(
            server.Client, GrpcWire.Request(Health + "Check", GrpcWire.Body(new HealthCheckRequest { Service = "no.such.Service" })), HealthCheckResponse.Parser);

        Assert.Equal((int)StatusCode.NotFound, result.Status);
    }

    [Fact]
    public async Task List_reports_every_mapped_service()
    {
        var result = await GrpcWire.CallAsync(
            server.Client, GrpcWire.Request(Health + "List", GrpcWire.Body(new HealthListRequest())), HealthListResponse.Parser);

        var statuses = Assert.Single(result.Messages).Statuses;
        Assert.Contains("", statuses.Keys);
        Assert.Contains("montage.testing.v1.EchoService", statuses.Keys);
        Assert.Contains("grpc.reflection.v1.ServerReflection", statuses.Keys);
        Assert.All(statuses.Values, s => Assert.Equal(ServingStatus.Serving, s.Status));
    }

    [Fact]
    public async Task Watch_sends_the_current_status_then_each_change()
    {
        var request = GrpcWire.Request(Health + "Watch", GrpcWire.Body(new HealthCheckRequest { Service = "montage.testing.v1.EchoService" }));
        using var response = await server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(Generous);
        var body = await response.Content.ReadAsStreamAsync();

        var first = await GrpcWire.ReadMessageAsync(body, HealthCheckResponse.Parser, null).WaitAsync(Generous);
        server.HealthCheck.Healthy = false;
        var second = await GrpcWire.ReadMessageAsync(body, HealthCheckResponse.Parser, null).WaitAsync(Generous);
        server.HealthCheck.Healthy = true;
        var third = await GrpcWire.ReadMessageAsync(body, HealthCheckResponse.Parser, null).WaitAsync(Generous);

        Assert.Equal(ServingStatus.Serving, first!.Status);
        Assert.Equal(ServingStatus.NotServing, second!.Status);
        Assert.Equal(ServingStatus.Serving, third!.Status);
    }

    [Fact]
    public async Task Watch_of_an_unknown_service_sends_service_unknown()
    {
        var request = GrpcWire.Request(Health + "Watch", GrpcWire.Body(new HealthCheckRequest { Service = "no.such.Service" }));
        using var response = await server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(Generous);

        var first = await GrpcWire.ReadMessageAsync(await response.Content.ReadAsStreamAsync(), HealthCheckResponse.Parser, null).WaitAsync(Generous);

        Assert.Equal(ServingStatus.ServiceUnknown, first!.Status);
    }

    private async Task<ServingStatus> CheckAsync(string service)
    {
        var result = await GrpcWire.CallAsync(
            server.Client, GrpcWire.Request(Health + "Check", GrpcWire.Body(new HealthCheckRequest { Service = service })), HealthCheckResponse.Parser);
        Assert.Equal(0, result.Status);
        return Assert.Single(result.Messages).Status;
    }
}
