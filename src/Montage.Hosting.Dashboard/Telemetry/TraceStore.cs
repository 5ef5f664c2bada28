namespace Montage.Hosting.Dashboard.Telemetry;

/// <summary>
/// Spans grouped into traces, at most <c>maxTraces</c> traces (the trace first seen longest ago is evicted) and
/// <c>maxSpansPerTrace</c> spans per trace. A span received twice (exporter retry) is kept once.
/// </summary>
public sealed class TraceStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, TraceEntry> _traces = new(StringComparer.Ordinal);
    private readonly Queue<string> _arrivalOrder = new();
    private readonly int _maxTraces;
    private readonly int _maxSpansPerTrace;

    public TraceStore(int maxTraces, int maxSpansPerTrace)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTraces, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSpansPerTrace, 1);
        _maxTraces = maxTraces;
        _maxSpansPerTrace = maxSpansPerTrace;
    }

    public ChangeSignal Changes { get; } = new();

    public int TraceCount
    {
        get
        {
            lock (_gate)
            {
                return _traces.Count;
            }
        }
    }

    /// <summary>Adds spans; returns how many were dropped because their trace was full.</summary>
    public int Add(IEnumerable<SpanRecord> spans)
    {
        ArgumentNullException.ThrowIfNull(spans);
        var dropped = 0;
        var added = false;
        lock (_gate)
        {
            foreach (var span in spans)
            {
                if (!_traces.TryGetValue(span.TraceId, out var entry))
                {
                    entry = new TraceEntry();
                    _traces[span.TraceId] = entry;
                    _arrivalOrder.Enqueue(span.TraceId);
                    while (_traces.Count > _maxTraces)
                    {
                        _traces.Remove(_arrivalOrder.Dequeue());
                    }
                }

                var trace = entry.Spans;
                if (trace.ContainsKey(span.SpanId))
                {
                    trace[span.SpanId] = span;
                }
                else if (trace.Count < _maxSpansPerTrace)
                {
                    trace.Add(span.SpanId, span);
                }
                else
                {
                    dropped++;
                    continue;
                }

                entry.Summary = null;
                added = true;
            }
        }

        if (added)
        {
            Changes.Notify();
        }

        return dropped;
    }

    /// <summary>The trace with its spans ordered as a tree, or null when it is unknown or was evicted.</summary>
    public TraceView? GetTrace(string traceId)
    {
        SpanRecord[] spans;
        lock (_gate)
        {
            if (!_traces.TryGetValue(traceId, out var entry))
            {
                return null;
            }

            spans = [.. entry.Spans.Values];
        }

        return new TraceView(traceId, TraceAssembler.Assemble(spans));
    }

    /// <summary>Traces matching the query, newest first.</summary>
    public IReadOnlyList<TraceSummary> Query(TraceQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return Summaries()
            .Where(s => Matches(s, query))
            .OrderByDescending(s => s.Start)
            .Take(Math.Max(query.Limit, 0))
            .ToList();
    }

    /// <summary>Every service that sent at least one span still held, sorted.</summary>
    public IReadOnlyList<string> Services()
    {
        return Summaries().SelectMany(s => s.Services).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>A summary per trace; each is computed once and again only after its trace changes.</summary>
    private List<TraceSummary> Summaries()
    {
        lock (_gate)
        {
            var summaries = new List<TraceSummary>(_traces.Count);
            foreach (var (traceId, entry) in _traces)
            {
                entry.Summary ??= Summarize(traceId, entry.Spans.Values);
                summaries.Add(entry.Summary);
            }

            return summaries;
        }
    }

    private static TraceSummary Summarize(string traceId, IReadOnlyCollection<SpanRecord> spans)
    {
        var ids = spans.Select(s => s.SpanId).ToHashSet(StringComparer.Ordinal);
        var root = spans.Where(s => s.ParentSpanId is null || !ids.Contains(s.ParentSpanId)).OrderBy(s => s.Start).FirstOrDefault()
            ?? spans.OrderBy(s => s.Start).First();
        var start = spans.Min(s => s.Start);
        var end = spans.Max(s => s.End);
        var services = spans.OrderBy(s => s.Start).Select(s => s.ServiceName).Distinct(StringComparer.Ordinal).ToList();
        return new TraceSummary(traceId, root.Name, root.ServiceName, services, start, end - start, spans.Count, spans.Any(s => s.Status == SpanOutcome.Error));
    }

    private static bool Matches(TraceSummary summary, TraceQuery query)
    {
        if (!string.IsNullOrEmpty(query.Service) && !summary.Services.Contains(query.Service, StringComparer.Ordinal))
        {
            return false;
        }

        if (query.HasError is { } hasError && summary.HasError != hasError)
        {
            return false;
        }

        if (query.MinDuration is { } minimum && summary.Duration < minimum)
        {
            return false;
        }

        return string.IsNullOrEmpty(query.Text)
            || summary.Name.Contains(query.Text, StringComparison.OrdinalIgnoreCase)
            || summary.TraceId.Contains(query.Text, StringComparison.OrdinalIgnoreCase);
    }

    private sealed class TraceEntry
    {
        public Dictionary<string, SpanRecord> Spans { get; } = new(StringComparer.Ordinal);

        public TraceSummary? Summary { get; set; }
    }
}
