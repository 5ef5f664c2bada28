using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting;

namespace Montage.ServiceDefaults.Telemetry;

/// <summary>
/// Health probes arrive every few seconds from the AppHost and orchestrators; tracing them would
/// bury real requests. The server span is already started when the request reaches middleware,
/// so it is marked not recorded here, first in the pipeline: the exporter drops it, and spans
/// started under it (a health check's SELECT 1) are not sampled either.
/// </summary>
internal sealed class HealthEndpointTracingFilter : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(static (context, nextMiddleware) =>
        {
            if (Extensions.IsHealthEndpoint(context.Request.Path.Value) && Activity.Current is { } activity)
            {
                activity.IsAllDataRequested = false;
                activity.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
            }

            return nextMiddleware(context);
        });
        next(app);
    };
}
