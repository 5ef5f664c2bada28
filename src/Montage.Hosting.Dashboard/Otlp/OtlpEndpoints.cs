using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Montage.Hosting.Dashboard.Telemetry;

namespace Montage.Hosting.Dashboard.Otlp;

/// <summary>OTLP/HTTP receiver: POST /v1/traces, /v1/logs, /v1/metrics.</summary>
internal static class OtlpEndpoints
{
    public const string ApiKeyHeader = "x-otlp-api-key";

    public const long MaxRequestBytes = 32 * 1024 * 1024;

    public static void Map(WebApplication app, TelemetryStore telemetry, string? apiKey, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(telemetry);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _ = apiKey;
    }
}
