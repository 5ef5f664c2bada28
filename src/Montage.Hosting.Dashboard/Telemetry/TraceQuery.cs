namespace Montage.Hosting.Dashboard.Telemetry;

/// <summary>Filters of the traces list; null means no filter.</summary>
public sealed record TraceQuery
{
    /// <summary>Only traces with at least one span of this service.</summary>
    public string? Service { get; init; }

    /// <summary>true: only traces with an error span; false: only traces without one.</summary>
    public bool? HasError { get; init; }

    public TimeSpan? MinDuration { get; init; }

    /// <summary>Case-insensitive text found in the root span name or the trace id.</summary>
    public string? Text { get; init; }

    public int Limit { get; init; } = 200;
}
