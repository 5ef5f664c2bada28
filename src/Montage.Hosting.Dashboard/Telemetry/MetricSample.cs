namespace Montage.Hosting.Dashboard.Telemetry;

/// <summary>One data point as received, before it joins its instrument's series.</summary>
public sealed record MetricSample
{
    public required string ServiceName { get; init; }

    /// <summary>The meter name (instrumentation scope).</summary>
    public string ScopeName { get; init; } = "";

    public required string InstrumentName { get; init; }

    public string Description { get; init; } = "";

    public string Unit { get; init; } = "";

    /// <summary>Gauge, Sum, Histogram, ExponentialHistogram or Summary.</summary>
    public required string Kind { get; init; }

    public IReadOnlyList<Attribute> Attributes { get; init; } = [];

    public required MetricPoint Point { get; init; }

    /// <summary>A delta-temporality monotonic sum: the shown value is the running total of the deltas.</summary>
    public bool AccumulateDelta { get; init; }
}
