namespace Montage.Hosting.Dashboard.Telemetry;

/// <summary>All telemetry the dashboard holds in memory, bounded per signal.</summary>
public sealed class TelemetryStore : IDisposable
{
    public TelemetryStore(DashboardOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
    }

    public void Dispose()
    {
    }
}
