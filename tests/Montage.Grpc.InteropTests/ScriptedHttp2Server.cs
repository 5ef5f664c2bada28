using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Montage.Grpc.InteropTests;

/// <summary>
/// A plain Kestrel h2c server (no gRPC library) that answers the way misbehaving servers and proxies do, so that
/// the client's handling of HTTP-level failures is checked on real HTTP/2 streams:
/// <c>/test.Http/Status{code}</c> answers that HTTP status without gRPC headers; <c>/test.Http/Text</c> answers
/// 200 text/plain; <c>/test.Http/Slow</c> answers a valid gRPC response after 300 ms (with at most 2 streams per
/// connection, to force extra connections). Every request's <c>traceparent</c> and connection id are recorded.
/// </summary>
public sealed class ScriptedHttp2Server : IAsyncLifetime
{
    private WebApplication? _app;

    public Uri Address { get; private set; } = null!;

    public ConcurrentQueue<string> TraceParents { get; } = new();

    /// <summary>The connection id of every request, by the value of its <c>x-run</c> header.</summary>
    public ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> ConnectionsByRun { get; } = new();

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.Http2.MaxStreamsPerConnection = 2;
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2);
        });
        var app = builder.Build();
        app.Use((context, next) =>
        {
            TraceParents.Enqueue(context.Request.Headers["traceparent"].ToString());
            var run = context.Request.Headers["x-run"].ToString();
            ConnectionsByRun.GetOrAdd(run, _ => new()).TryAdd(context.Connection.Id, 0);
            return next(context);
        });
        app.MapPost("/test.Http/Status{code:int}", (HttpContext context, int code) =>
        {
            context.Response.StatusCode = code;
            return context.Response.WriteAsync("not a gRPC answer");
        });
        app.MapPost("/test.Http/Text", context =>
        {
            context.Response.ContentType = "text/plain";
            return context.Response.WriteAsync("hello");
        });
        app.MapPost("/test.Http/Slow", async context =>
        {
            await Task.Delay(300, context.RequestAborted);
            context.Response.ContentType = "application/grpc";
            context.Response.AppendTrailer("grpc-status", "0");
            // One empty message (an EchoResponse with every field at its default).
            await context.Response.Body.WriteAsync(new byte[5], context.RequestAborted);
        });
        await app.StartAsync();
        _app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Address = new Uri(address);
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    public static string StatusMethod(int httpStatus) => "Status" + httpStatus.ToString(CultureInfo.InvariantCulture);
}
