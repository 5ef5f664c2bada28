namespace Montage.Hosting.Dashboard.Telemetry;

/// <summary>
/// One value of a metric time series. For histograms <see cref="Value"/> is the mean and
/// <see cref="Histogram"/> carries count, sum and estimated percentiles.
/// </summary>
public sealed record MetricPoint(DateTimeOffset Timestamp, double Value, HistogramStats? Histogram = null);

/// <summary>Summary of a histogram data point; percentiles are estimated from the explicit buckets.</summary>
public sealed record HistogramStats(ulong Count, double Sum, double? Min, double? Max, double? P50, double? P90, double? P99);
