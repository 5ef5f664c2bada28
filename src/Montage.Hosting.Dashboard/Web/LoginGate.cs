using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Montage.Hosting.Dashboard.Web;

/// <summary>
/// Every page and API needs the login: a cookie that /login?t=&lt;token&gt; sets. Without it, APIs answer 401 and
/// pages redirect to the login page. The cookie carries a per-start random value, never the token itself.
/// </summary>
internal sealed class LoginGate(string loginToken, ILogger logger)
{
    public const string CookieName = "montage_dashboard_login";

    /// <summary>Header the dashboard's scripts send on commands; a cross-site form cannot add it.</summary>
    public const string RequestHeader = "x-dashboard-request";

    private readonly string _sessionValue = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    public bool TokenMatches(string? presented) =>
        presented is not null
        && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(loginToken)));

    public bool IsLoggedIn(HttpContext context) =>
        context.Request.Cookies.TryGetValue(CookieName, out var value)
        && value is not null
        && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(value), Encoding.ASCII.GetBytes(_sessionValue));

    public void LogIn(HttpContext context) =>
        context.Response.Cookies.Append(CookieName, _sessionValue, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Path = "/",
            Secure = context.Request.IsHttps,
            IsEssential = true,
        });

    public async Task Invoke(HttpContext context, RequestDelegate next)
    {
        var path = context.Request.Path;
        if (IsOpen(path) || IsLoggedIn(context))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        DashboardLog.Unauthorized(logger, path.Value ?? "/");
        if (path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase))
        {
            await DashboardJson.Problem(context, StatusCodes.Status401Unauthorized, "login-required", "Log in to the dashboard first.", "Open the login link the AppHost printed (it ends with ?t=<token>).").ConfigureAwait(false);
            return;
        }

        var returnUrl = path.Value + context.Request.QueryString.Value;
        context.Response.Redirect("/login?returnUrl=" + Uri.EscapeDataString(returnUrl));
    }

    private static bool IsOpen(PathString path) =>
        path.Equals("/login", StringComparison.OrdinalIgnoreCase)
        || path.StartsWithSegments("/static", StringComparison.OrdinalIgnoreCase)
        || path.StartsWithSegments("/v1", StringComparison.OrdinalIgnoreCase)
        || path.Equals("/favicon.ico", StringComparison.OrdinalIgnoreCase);
}
