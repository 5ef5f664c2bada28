namespace Montage.Hosting.Dashboard.Telemetry;

/// <summary>One received structured log record.</summary>
public sealed record LogEntry
{
    /// <summary>Increasing number in arrival order; live views ask for entries after the last id they have.</summary>
    public long Id { get; init; }

    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>OTLP severity number (1-24; 0 unspecified).</summary>
    public int SeverityNumber { get; init; }

    /// <summary>Trace, Debug, Information, Warning, Error, Critical or Unspecified.</summary>
    public required string Severity { get; init; }

    public required string Message { get; init; }

    public required string ServiceName { get; init; }

    /// <summary>The logger category (instrumentation scope).</summary>
    public string ScopeName { get; init; } = "";

    public string? TraceId { get; init; }

    public string? SpanId { get; init; }

    public string? EventName { get; init; }

    public IReadOnlyList<Attribute> Attributes { get; init; } = [];
}
