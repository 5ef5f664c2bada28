namespace Montage.Hosting.Dashboard.Telemetry;

/// <summary>One received span. Ids are lower-case hex; <see cref="ParentSpanId"/> is null for a root span.</summary>
public sealed record SpanRecord
{
    public required string TraceId { get; init; }

    public required string SpanId { get; init; }

    public string? ParentSpanId { get; init; }

    public required string Name { get; init; }

    /// <summary>Internal, Server, Client, Producer, Consumer or Unspecified.</summary>
    public string Kind { get; init; } = "Internal";

    /// <summary>The resource's service.name ("unknown_service" when the exporter sent none).</summary>
    public required string ServiceName { get; init; }

    public string ScopeName { get; init; } = "";

    public required DateTimeOffset Start { get; init; }

    public required DateTimeOffset End { get; init; }

    public SpanOutcome Status { get; init; }

    public string? StatusMessage { get; init; }

    public IReadOnlyList<Attribute> Attributes { get; init; } = [];

    public IReadOnlyList<SpanEventRecord> Events { get; init; } = [];

    public TimeSpan Duration => End >= Start ? End - Start : TimeSpan.Zero;
}

/// <summary>A timed event inside a span (for example an exception).</summary>
public sealed record SpanEventRecord(string Name, DateTimeOffset Timestamp, IReadOnlyList<Attribute> Attributes);
