namespace Montage.Hosting.Dashboard.Telemetry;

/// <summary>One row of the traces list.</summary>
public sealed record TraceSummary(
    string TraceId,
    string Name,
    string RootService,
    IReadOnlyList<string> Services,
    DateTimeOffset Start,
    TimeSpan Duration,
    int SpanCount,
    bool HasError);
