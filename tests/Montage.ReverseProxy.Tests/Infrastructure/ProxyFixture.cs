using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Montage.Grpc.Client;
using Montage.Grpc.Testing;
using Montage.Grpc.Testing.V1;

namespace Montage.ReverseProxy.Tests.Infrastructure;

/// <summary>
/// Two real Kestrel servers on 127.0.0.1: the upstream (the observed echo service over h2c, a REST echo over
/// HTTP/1.1, and a gRPC method that breaks its stream) and the proxy in front of it, configured in YARP's shape
/// with logical service addresses resolved through service discovery, plus a route to a port nothing listens on.
/// </summary>
public sealed class ProxyFixture : IAsyncLifetime
{
    public const string BrokenMethodPath = "/montage.testing.v1.Broken/Stream";

    private WebApplication? _upstream;
    private WebApplication? _proxy;
    private GrpcChannel? _channel;
    private GrpcChannel? _deadChannel;

    public CallProbe Probe { get; } = new();

    /// <summary>Per call id (<see cref="CallProbe.Header"/>): when set, the broken method resets its stream.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource> BreakSignals { get; } = new();

    public Uri ProxyGrpcAddress { get; private set; } = null!;

    public Uri ProxyHttp1Address { get; private set; } = null!;

    /// <summary>Echo calls through the proxy.</summary>
    public EchoClient Echo { get; private set; } = null!;

    /// <summary>Echo calls through the proxy to a destination that refuses connections.</summary>
    public EchoClient DeadEcho { get; private set; } = null!;

    public GrpcChannel Channel => _channel!;

    /// <summary>HTTP/1.1 to the proxy's HTTP/1.1 endpoint.</summary>
    public HttpClient Http1 { get; } = new() { Timeout = TimeSpan.FromMinutes(2) };

    public async Task InitializeAsync()
    {
        _upstream = BuildUpstream();
        await _upstream.StartAsync();
        var upstream = Addresses(_upstream);

        _proxy = BuildProxy(upstream[0], upstream[1], DeadPort());
        await _proxy.StartAsync();
        var proxy = Addresses(_proxy);
        ProxyGrpcAddress = proxy[0];
        ProxyHttp1Address = proxy[1];
        Http1.BaseAddress = ProxyHttp1Address;

        _channel = GrpcChannel.ForAddress(ProxyGrpcAddress, new GrpcChannelOptions { MaxReceiveMessageSize = null });
        _deadChannel = GrpcChannel.ForAddress(new Uri(ProxyGrpcAddress, "/dead"));
        Echo = new EchoClient(_channel.CreateCallInvoker());
        DeadEcho = new EchoClient(_deadChannel.CreateCallInvoker());
    }

    public async Task DisposeAsync()
    {
        Http1.Dispose();
        _channel?.Dispose();
        _deadChannel?.Dispose();
        foreach (var app in new[] { _proxy, _upstream })
        {
            if (app is not null)
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }
        }
    }

    private WebApplication BuildUpstream()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2);
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http1);
            kestrel.Limits.MaxRequestBodySize = null;
        });
        builder.Services.AddGrpc(options => options.MaxReceiveMessageSize = null);
        builder.Services.AddSingleton(Probe);
        builder.Services.AddSingleton<ObservedEchoService>();
        var app = builder.Build();
        app.MapGrpcService<ObservedEchoService>(EchoService.Descriptor);
        app.MapPost("/rest/echo", RestEchoAsync);
        app.MapPost(BrokenMethodPath, BrokenStreamAsync);
        return app;
    }

    private static WebApplication BuildProxy(Uri upstreamGrpc, Uri upstreamHttp1, int deadPort)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2);
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http1);
        });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["services:echo:grpc:0"] = upstreamGrpc.ToString(),
            ["services:rest:http:0"] = upstreamHttp1.ToString(),
            ["ReverseProxy:Routes:echo:ClusterId"] = "echo",
            ["ReverseProxy:Routes:echo:Match:Path"] = "/montage.testing.v1.EchoService/{**catch-all}",
            ["ReverseProxy:Routes:broken:ClusterId"] = "echo",
            ["ReverseProxy:Routes:broken:Match:Path"] = "/montage.testing.v1.Broken/{**catch-all}",
            ["ReverseProxy:Routes:dead:ClusterId"] = "dead",
            ["ReverseProxy:Routes:dead:Match:Path"] = "/dead/{**catch-all}",
            ["ReverseProxy:Routes:rest:ClusterId"] = "rest",
            ["ReverseProxy:Routes:rest:Match:Path"] = "/rest/{**catch-all}",
            ["ReverseProxy:Routes:rest:Match:Methods:0"] = "POST",
            ["ReverseProxy:Clusters:echo:HttpRequest:Version"] = "2",
            ["ReverseProxy:Clusters:echo:HttpRequest:VersionPolicy"] = "RequestVersionExact",
            ["ReverseProxy:Clusters:echo:Destinations:d1:Address"] = "http://_grpc.echo",
            ["ReverseProxy:Clusters:dead:Destinations:d1:Address"] = $"http://127.0.0.1:{deadPort}",
            ["ReverseProxy:Clusters:rest:HttpRequest:Version"] = "1.1",
            ["ReverseProxy:Clusters:rest:Destinations:d1:Address"] = "http://_http.rest",
        });
        builder.Services.AddServiceDiscovery();
        builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"));
        var app = builder.Build();
        app.MapReverseProxy();
        return app;
    }

    /// <summary>Answers with what arrived: path, query, headers and body size; echoes the body's size back as a header.</summary>
    private static async Task RestEchoAsync(HttpContext context)
    {
        long total = 0;
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(buffer)) > 0)
        {
            total += read;
        }

        var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
        context.Response.StatusCode = StatusCodes.Status201Created;
        context.Response.Headers["x-upstream"] = "rest-echo";
        await context.Response.WriteAsJsonAsync(new RestEcho(context.Request.Path + context.Request.QueryString, headers, total));
    }

    /// <summary>
    /// A server-streaming gRPC method that sends one message, then (once the test has read it) resets the stream
    /// without a status.
    /// </summary>
    private async Task BrokenStreamAsync(HttpContext context)
    {
        context.Response.ContentType = "application/grpc";
        var message = new EchoResponse { Message = "first" }.ToByteArray();
        var frame = new byte[5 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Length);
        message.CopyTo(frame, 5);
        await context.Response.Body.WriteAsync(frame);
        await context.Response.Body.FlushAsync();
        var id = context.Request.Headers[CallProbe.Header].ToString();
        await BreakSignals.GetOrAdd(id, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(TimeSpan.FromMinutes(2));
        context.Abort();
    }

    private static List<Uri> Addresses(WebApplication app) =>
        [.. app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a))];

    /// <summary>A port that was free a moment ago and that nothing listens on.</summary>
    private static int DeadPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

public sealed record RestEcho(string PathAndQuery, Dictionary<string, string> Headers, long BodyBytes);

[CollectionDefinition(Name)]
public sealed class ProxyCollection : ICollectionFixture<ProxyFixture>
{
    public const string Name = "Proxy";
}
