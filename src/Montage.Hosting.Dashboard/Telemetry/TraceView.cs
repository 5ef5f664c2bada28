namespace Montage.Hosting.Dashboard.Telemetry;

/// <summary>A trace assembled from its spans: spans ordered parent before children, siblings by start time.</summary>
public sealed record TraceView(string TraceId, IReadOnlyList<TraceSpanView> Spans)
{
    public DateTimeOffset Start => Spans.Count == 0 ? default : Spans.Min(s => s.Span.Start);

    public DateTimeOffset End => Spans.Count == 0 ? default : Spans.Max(s => s.Span.End);

    public TimeSpan Duration => End - Start;

    /// <summary>Services in the order they first appear in the trace.</summary>
    public IReadOnlyList<string> Services => Spans.OrderBy(s => s.Span.Start).Select(s => s.Span.ServiceName).Distinct().ToList();
}

/// <summary>A span placed in its trace: depth 0 for roots (and for spans whose parent never arrived).</summary>
public sealed record TraceSpanView(SpanRecord Span, int Depth);
