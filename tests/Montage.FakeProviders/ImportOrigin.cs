using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Montage.FakeProviders;

/// <summary>
/// A real HTTP server on 127.0.0.2 (the address an import allowlist names in tests) serving files, redirects
/// and failures. Everything else on loopback (127.0.0.1, where the fakes listen) stays forbidden to imports.
/// </summary>
public sealed class ImportOrigin : IAsyncDisposable
{
    public static readonly IPAddress Address = IPAddress.Parse("127.0.0.2");
    private readonly ConcurrentDictionary<string, (byte[] Bytes, string ContentType)> _files = new();
    private readonly ConcurrentDictionary<string, int> _hits = new();
    private WebApplication? _app;

    public Uri BaseUrl { get; private set; } = null!;

    public static async Task<ImportOrigin> StartAsync()
    {
        var origin = new ImportOrigin();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(Address, 0));
        var app = builder.Build();
        app.MapGet("/files/{name}", (string name, HttpContext context) => origin.ServeAsync(name, context));
        app.MapGet("/redirect", (string to) => Results.Redirect(to));
        app.MapGet("/status/{code:int}", (string code, HttpContext context) =>
        {
            origin._hits.AddOrUpdate("status", 1, (_, n) => n + 1);
            return Results.StatusCode(int.Parse(code, System.Globalization.CultureInfo.InvariantCulture));
        });
        await app.StartAsync();
        origin._app = app;
        origin.BaseUrl = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return origin;
    }

    public string Add(string name, byte[] bytes, string contentType)
    {
        _files[name] = (bytes, contentType);
        return new Uri(BaseUrl, "/files/" + name).AbsoluteUri;
    }

    public int Hits(string key) => _hits.TryGetValue(key, out var n) ? n : 0;

    public string Url(string pathAndQuery) => new Uri(BaseUrl, pathAndQuery).AbsoluteUri;

    private async Task ServeAsync(string name, HttpContext context)
    {
        _hits.AddOrUpdate(name, 1, (_, n) => n + 1);
        if (!_files.TryGetValue(name, out var file))
        {
            context.Response.StatusCode = 404;
            return;
        }

        context.Response.ContentType = file.ContentType;
        context.Response.ContentLength = file.Bytes.Length;
        await context.Response.Body.WriteAsync(file.Bytes);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
