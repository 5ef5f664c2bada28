namespace Montage.Hosting.Dashboard.Telemetry;

/// <summary>An instrument of one service with its time series (one per distinct attribute set).</summary>
public sealed record InstrumentView(
    string ServiceName,
    string ScopeName,
    string Name,
    string Description,
    string Unit,
    string Kind,
    DateTimeOffset LastUpdated,
    IReadOnlyList<SeriesView> Series);

/// <summary>A time series: its attributes, its latest point, and (in detail views) its retained points, oldest first.</summary>
public sealed record SeriesView(IReadOnlyList<Attribute> Attributes, MetricPoint Latest, IReadOnlyList<MetricPoint> Points);
