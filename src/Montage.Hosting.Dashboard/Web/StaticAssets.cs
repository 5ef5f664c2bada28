using Microsoft.AspNetCore.Http;

namespace Montage.Hosting.Dashboard.Web;

/// <summary>The dashboard's script and stylesheet, embedded in the assembly (no npm build, no CDN).</summary>
internal static class StaticAssets
{
    private static readonly Dictionary<string, (byte[] Content, string ContentType)> Assets = Load();

    public static async Task Serve(HttpContext context)
    {
        var name = context.Request.RouteValues["file"]?.ToString() ?? "";
        if (!Assets.TryGetValue(name, out var asset))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        context.Response.ContentType = asset.ContentType;
        context.Response.Headers.CacheControl = "no-cache";
        await context.Response.Body.WriteAsync(asset.Content, context.RequestAborted).ConfigureAwait(false);
    }

    private static Dictionary<string, (byte[], string)> Load()
    {
        var assembly = typeof(StaticAssets).Assembly;
        var assets = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith("assets/", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var name = resource["assets/".Length..];
            var type = Path.GetExtension(name) switch
            {
                ".js" => "text/javascript; charset=utf-8",
                ".css" => "text/css; charset=utf-8",
                ".svg" => "image/svg+xml",
                _ => "application/octet-stream",
            };
            assets[name] = (buffer.ToArray(), type);
        }

        return assets;
    }
}
