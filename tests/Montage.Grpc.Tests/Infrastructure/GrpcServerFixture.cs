using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Montage.Contracts.Images.V1;
using Montage.Grpc.Server;
using Montage.Grpc.Testing;

namespace Montage.Grpc.Tests.Infrastructure;

/// <summary>A health check the tests switch between healthy and unhealthy.</summary>
public sealed class ToggleHealthCheck : IHealthCheck
{
    public volatile bool Healthy = true;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(Healthy ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("switched off by the test"));
}

/// <summary>A service class with no methods: every RPC of the service it is mapped to answers UNIMPLEMENTED.</summary>
public sealed class EmptyService;

/// <summary>
/// A real Kestrel server on 127.0.0.1 with two endpoints: h2c with prior knowledge (HTTP/2 only) for gRPC and
/// HTTP/1.1 to check that gRPC refuses it. Maps the echo service (observed), health, reflection and an
/// unimplemented service whose .proto has dependencies.
/// </summary>
public class GrpcServerFixture : IAsyncLifetime
{
    private WebApplication? _app;

    public Uri GrpcAddress { get; private set; } = null!;

    public Uri Http1Address { get; private set; } = null!;

    /// <summary>An HttpClient that speaks HTTP/2 only, without TLS (prior knowledge).</summary>
    public HttpClient Client { get; } = new(new SocketsHttpHandler { EnableMultipleHttp2Connections = true })
    {
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = TimeSpan.FromMinutes(2),
    };

    public CallProbe Probe => _app!.Services.GetRequiredService<CallProbe>();

    public ToggleHealthCheck HealthCheck { get; } = new();

    /// <summary>What the server logged.</summary>
    public CapturingLoggerProvider Logs { get; } = new();

    /// <summary>The server options; this fixture compresses responses for clients that accept gzip.</summary>
    protected virtual void ConfigureGrpc(GrpcServiceOptions options) => options.ResponseCompressionAlgorithm = "gzip";

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Logging.AddProvider(Logs);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2);
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http1);
        });
        builder.Services.AddGrpc(ConfigureGrpc);
        builder.Services.AddSingleton<CallProbe>();
        builder.Services.AddSingleton<ObservedEchoService>();
        builder.Services.AddGrpcHealthChecks(o => o.WatchInterval = TimeSpan.FromMilliseconds(100))
            .AddCheck("toggle", HealthCheck, tags: ["echo"]);
        builder.Services.AddGrpcReflection();

        _app = builder.Build();
        _app.MapGrpcService<ObservedEchoService>(EchoService.Descriptor);
        _app.MapGrpcService<EmptyService>(ImagesReflection.Descriptor.Services[0]);
        _app.MapGrpcHealthChecksService();
        _app.MapGrpcReflectionService();
        await _app.StartAsync();

        var addresses = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.ToList();
        GrpcAddress = new Uri(addresses[0]);
        Http1Address = new Uri(addresses[1]);
        Client.BaseAddress = GrpcAddress;
    }

    /// <summary>Stops the server, as a shutdown would: running calls see their cancellation first.</summary>
    public Task StopAsync() => _app!.StopAsync();

    public async Task DisposeAsync()
    {
        Client.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
