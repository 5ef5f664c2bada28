namespace Montage.Hosting.Dashboard.Telemetry;

/// <summary>All telemetry the dashboard holds in memory, bounded per signal by <see cref="DashboardOptions"/>.</summary>
public sealed class TelemetryStore : IDisposable
{
    // Never disposed: it has no timer, and live views may still read its token while the dashboard stops.
    private readonly CancellationTokenSource _stopping = new();

    public TelemetryStore(DashboardOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Traces = new TraceStore(options.MaxTraces, options.MaxSpansPerTrace);
        Logs = new LogStore(options.MaxLogRecords);
        Metrics = new MetricStore(options.MaxInstruments, options.MaxMetricPointsPerSeries);
    }

    public TraceStore Traces { get; }

    public LogStore Logs { get; }

    public MetricStore Metrics { get; }

    /// <summary>Wakes live views that wait on the stores, so they end promptly when the dashboard stops.</summary>
    public CancellationToken Stopping => _stopping.Token;

    public void Dispose() => _stopping.Cancel();
}
