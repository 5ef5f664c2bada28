using Microsoft.Extensions.Logging;
using Montage.Hosting.Dashboard.Telemetry;

namespace Montage.Hosting.Dashboard.Web;

/// <summary>What the dashboard's pages and APIs work from.</summary>
internal sealed record DashboardWebContext(
    IDashboardResourceSource Source,
    TelemetryStore Telemetry,
    DashboardOptions Options,
    string LoginToken,
    ILoggerFactory LoggerFactory);
