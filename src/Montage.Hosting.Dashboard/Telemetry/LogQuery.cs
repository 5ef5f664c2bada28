namespace Montage.Hosting.Dashboard.Telemetry;

/// <summary>Filters of the structured logs list; null means no filter.</summary>
public sealed record LogQuery
{
    public string? Service { get; init; }

    /// <summary>Only records at least this severe (OTLP severity number; 9 = Information, 13 = Warning, 17 = Error).</summary>
    public int? MinSeverityNumber { get; init; }

    /// <summary>Case-insensitive text found in the message or an attribute value.</summary>
    public string? Text { get; init; }

    public string? TraceId { get; init; }

    /// <summary>Only records with an id greater than this (for incremental live updates).</summary>
    public long? AfterId { get; init; }

    public int Limit { get; init; } = 500;
}
