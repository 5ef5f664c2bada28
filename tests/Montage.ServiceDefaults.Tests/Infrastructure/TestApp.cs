using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Montage.ServiceDefaults.Tests.Infrastructure;

/// <summary>A real Kestrel server on a free loopback port, configured like a Montage service.</summary>
public sealed class TestApp : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestApp(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<TestApp> StartAsync(
        IDictionary<string, string?> configuration,
        Action<WebApplicationBuilder> configure,
        Action<WebApplication> map)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = "Montage.ServiceDefaults.Tests" });
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        configure(builder);

        var app = builder.Build();
        map(app);
        await app.StartAsync();

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestApp(app, new Uri(address));
    }

    /// <summary>A plain server for the tests' counterparts (flaky upstreams, OTLP receivers).</summary>
    public static Task<TestApp> StartPlainAsync(Action<WebApplication> map) =>
        StartAsync(new Dictionary<string, string?>(), _ => { }, map);

    /// <summary>Stops gracefully: in-flight requests finish and telemetry providers flush on dispose.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
