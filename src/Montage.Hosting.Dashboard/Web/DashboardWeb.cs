using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Montage.Hosting.Dashboard.Web;

/// <summary>Maps the dashboard's pages and JSON/SSE APIs behind the login gate.</summary>
internal static class DashboardWeb
{
    // Scripts only from our own files; styles may be set from script (waterfall bars, chart sizes).
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    public static void Map(WebApplication app, DashboardWebContext context)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(context);
        var gate = new LoginGate(context.LoginToken, context.LoggerFactory.CreateLogger(typeof(LoginGate)));

        app.Use(async (http, next) =>
        {
            http.Response.Headers.XContentTypeOptions = "nosniff";
            http.Response.Headers["Referrer-Policy"] = "no-referrer";
            if (!http.Request.Path.StartsWithSegments("/v1", StringComparison.OrdinalIgnoreCase))
            {
                http.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
            }

            await next(http).ConfigureAwait(false);
        });
        app.Use((http, next) => gate.Invoke(http, next));
        app.UseRouting();

        app.MapGet("/login", http => Login(http, gate));
        app.MapGet("/static/{file}", StaticAssets.Serve);
        app.MapGet("/", http => Html(http, Pages.Resources()));
        app.MapGet("/resources", http => Html(http, Pages.Resources()));
        app.MapGet("/consolelogs", http => Html(http, Pages.Console()));
        app.MapGet("/structuredlogs", http => Html(http, Pages.StructuredLogs()));
        app.MapGet("/traces", http => Html(http, Pages.Traces()));
        app.MapGet("/traces/{traceId}", http => Html(http, Pages.Trace(http.Request.RouteValues["traceId"]?.ToString() ?? "")));
        app.MapGet("/metrics", http => Html(http, Pages.Metrics()));

        ResourceApi.Map(app, context);
        TelemetryApi.Map(app, context);
    }

    private static Task Login(HttpContext http, LoginGate gate)
    {
        var token = http.Request.Query["t"].ToString();
        var returnUrl = LocalPath(http.Request.Query["returnUrl"].ToString());
        if (token.Length > 0)
        {
            if (!gate.TokenMatches(token))
            {
                return Html(http, Pages.Login(returnUrl, failed: true), StatusCodes.Status401Unauthorized);
            }

            gate.LogIn(http);
            http.Response.Redirect(returnUrl);
            return Task.CompletedTask;
        }

        if (gate.IsLoggedIn(http))
        {
            http.Response.Redirect(returnUrl);
            return Task.CompletedTask;
        }

        return Html(http, Pages.Login(returnUrl, failed: false));
    }

    /// <summary>Only a path on this dashboard: "//host" or "https://..." would make the login an open redirect.</summary>
    private static string LocalPath(string returnUrl) =>
        returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal) && !returnUrl.StartsWith("/\\", StringComparison.Ordinal) ? returnUrl : "/";

    private static async Task Html(HttpContext http, string html, int status = StatusCodes.Status200OK)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "text/html; charset=utf-8";
        http.Response.Headers.CacheControl = "no-store";
        await http.Response.WriteAsync(html, http.RequestAborted).ConfigureAwait(false);
    }
}
