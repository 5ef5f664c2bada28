using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;

namespace Montage.ServiceDefaults.Telemetry;

/// <summary>
/// First middleware of every service, doing what OpenTelemetry.Instrumentation.AspNetCore would
/// (it does not restore here) for the server span ASP.NET Core starts on "Microsoft.AspNetCore":
/// <list type="bullet">
/// <item>health probes are not traced: they arrive every few seconds and would bury real requests.
/// The span is marked not recorded, so the exporter drops it and spans started under it (a
/// health check's SELECT 1) are not sampled either;</item>
/// <item>the span gets the HTTP semantic-convention attributes and a "GET /route" name, which
/// ASP.NET Core leaves to instrumentation. The query string is left out: it can carry signatures.</item>
/// </list>
/// </summary>
internal sealed class HttpServerTracingFilter : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(static async (context, nextMiddleware) =>
        {
            var activity = Activity.Current;
            if (activity is null || activity.Source.Name != "Microsoft.AspNetCore")
            {
                await nextMiddleware(context).ConfigureAwait(false);
                return;
            }

            if (Extensions.IsHealthEndpoint(context.Request.Path.Value))
            {
                activity.IsAllDataRequested = false;
                activity.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
                await nextMiddleware(context).ConfigureAwait(false);
                return;
            }

            if (!activity.IsAllDataRequested)
            {
                await nextMiddleware(context).ConfigureAwait(false);
                return;
            }

            var request = context.Request;
            activity.SetTag("http.request.method", request.Method);
            activity.SetTag("url.scheme", request.Scheme);
            activity.SetTag("url.path", request.Path.Value);
            activity.SetTag("server.address", request.Host.Host);
            if (request.Host.Port is { } port)
            {
                activity.SetTag("server.port", port);
            }

            activity.SetTag("network.protocol.version", ProtocolVersion(request.Protocol));
            activity.DisplayName = request.Method;

            try
            {
                await nextMiddleware(context).ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                activity.SetTag("error.type", exception.GetType().FullName);
                activity.SetStatus(ActivityStatusCode.Error);
                throw;
            }
            finally
            {
                if (context.GetEndpoint() is RouteEndpoint { RoutePattern.RawText: { } route })
                {
                    activity.SetTag("http.route", route);
                    activity.DisplayName = $"{request.Method} {route}";
                }
            }

            var status = context.Response.StatusCode;
            activity.SetTag("http.response.status_code", status);
            if (status >= 500)
            {
                activity.SetTag("error.type", status.ToString(System.Globalization.CultureInfo.InvariantCulture));
                activity.SetStatus(ActivityStatusCode.Error);
            }
        });
        next(app);
    };

    private static string ProtocolVersion(string protocol) => protocol switch
    {
        "HTTP/1.1" => "1.1",
        "HTTP/2" => "2",
        "HTTP/3" => "3",
        "HTTP/1.0" => "1.0",
        _ => protocol,
    };
}
