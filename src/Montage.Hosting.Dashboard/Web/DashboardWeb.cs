using Microsoft.AspNetCore.Builder;

namespace Montage.Hosting.Dashboard.Web;

/// <summary>Maps the dashboard's pages and JSON/SSE APIs.</summary>
internal static class DashboardWeb
{
    public static void Map(WebApplication app, DashboardWebContext context)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(context);
    }
}
