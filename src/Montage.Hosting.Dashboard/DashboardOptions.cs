using Microsoft.Extensions.Logging;

namespace Montage.Hosting.Dashboard;

/// <summary>Settings of one dashboard. Defaults follow Aspire's dashboard (UI on 18888, OTLP on 18889).</summary>
public sealed record DashboardOptions
{
    /// <summary>Where the browser UI listens. Port 0 picks a free port (use an IP address, not "localhost", then).</summary>
    public string Url { get; init; } = "http://localhost:18888";

    /// <summary>
    /// Where the OTLP/HTTP receiver listens (/v1/traces, /v1/logs, /v1/metrics). A separate port by default, like
    /// Aspire, so services never need the UI's login token; null or empty serves OTLP on <see cref="Url"/> as well.
    /// </summary>
    public string? OtlpHttpUrl { get; init; } = "http://localhost:18889";

    /// <summary>The browser login token; a random one is generated when null or empty.</summary>
    public string? LoginToken { get; init; }

    /// <summary>When set, OTLP requests must carry it in the <c>x-otlp-api-key</c> header (as Aspire's dashboard does).</summary>
    public string? OtlpApiKey { get; init; }

    /// <summary>Most traces kept; the oldest trace is evicted first.</summary>
    public int MaxTraces { get; init; } = 10_000;

    /// <summary>Most spans kept in one trace; later spans of a larger trace are dropped.</summary>
    public int MaxSpansPerTrace { get; init; } = 2_000;

    /// <summary>Most structured log records kept; the oldest are evicted first.</summary>
    public int MaxLogRecords { get; init; } = 10_000;

    /// <summary>Most data points kept per metric time series; the oldest are evicted first.</summary>
    public int MaxMetricPointsPerSeries { get; init; } = 300;

    /// <summary>Most metric instruments kept (per service and instrument name); new ones beyond it are ignored.</summary>
    public int MaxInstruments { get; init; } = 2_000;

    /// <summary>Most console lines the page holds per resource (the source keeps its own history).</summary>
    public int MaxConsoleLinesShown { get; init; } = 5_000;

    /// <summary>Logging for the dashboard's own diagnostics; none when null.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }
}
