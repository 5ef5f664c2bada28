using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Montage.FakeProviders;

/// <summary>Starts a Kestrel app on 127.0.0.1 (or <c>listenAddress</c>; a free port unless URLs are given) and reports its base URL.</summary>
internal static class FakeHost
{
    public static async Task<(WebApplication App, Uri BaseUrl)> StartAsync(Action<WebApplication> map, string[]? args = null, IPAddress? listenAddress = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args ?? []);
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = 200 * 1024 * 1024);
        if (args is null || !args.Any(a => a.StartsWith("--urls", StringComparison.Ordinal)))
        {
            builder.WebHost.UseKestrel(kestrel => kestrel.Listen(listenAddress ?? IPAddress.Loopback, 0));
        }

        var app = builder.Build();
        map(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        address = address.Replace("://[::]", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://localhost", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://+", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://*", "://127.0.0.1", StringComparison.Ordinal);
        return (app, new Uri(address.TrimEnd('/')));
    }
}
