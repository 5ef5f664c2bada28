using Montage.Hosting.Dashboard.Telemetry;

namespace Montage.Hosting.Tests.Dashboard;

public sealed class TraceStoreUnitTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static SpanRecord Span(string traceId, string spanId, string? parent, int startMs, int durationMs, string service = "gateway", SpanOutcome status = SpanOutcome.Unset) => new()
    {
        TraceId = traceId,
        SpanId = spanId,
        ParentSpanId = parent,
        Name = "span " + spanId,
        ServiceName = service,
        Start = T0.AddMilliseconds(startMs),
        End = T0.AddMilliseconds(startMs + durationMs),
        Status = status,
    };

    /// <summary>request -> (call-a -> handle-a -> db), (call-b); two services.</summary>
    private static List<SpanRecord> RequestTrace() =>
    [
        Span("t1", "request", null, 0, 100),
        Span("t1", "call-a", "request", 10, 40),
        Span("t1", "handle-a", "call-a", 12, 35, "jobs"),
        Span("t1", "db", "handle-a", 20, 10, "jobs"),
        Span("t1", "call-b", "request", 60, 30),
    ];

    public static IEnumerable<object[]> Orders()
    {
        // Every order of arrival: children before parents, leaves first, interleaved.
        yield return [new[] { 0, 1, 2, 3, 4 }];
        yield return [new[] { 4, 3, 2, 1, 0 }];
        yield return [new[] { 3, 0, 4, 2, 1 }];
        yield return [new[] { 2, 4, 1, 3, 0 }];
    }

    [Theory]
    [MemberData(nameof(Orders))]
    public void Trace_is_assembled_parent_first_whatever_order_spans_arrive_in(int[] order)
    {
        var store = new TraceStore(10, 100);
        var spans = RequestTrace();
        foreach (var index in order)
        {
            store.Add([spans[index]]);
        }

        var trace = store.GetTrace("t1")!;

        Assert.Equal(["request", "call-a", "handle-a", "db", "call-b"], trace.Spans.Select(s => s.Span.SpanId));
        Assert.Equal([0, 1, 2, 3, 1], trace.Spans.Select(s => s.Depth));
        Assert.Equal(["gateway", "jobs"], trace.Services);
        Assert.Equal(TimeSpan.FromMilliseconds(100), trace.Duration);
    }

    [Fact]
    public void Span_whose_parent_has_not_arrived_is_shown_as_a_root_until_it_does()
    {
        var store = new TraceStore(10, 100);
        store.Add([Span("t1", "db", "handle-a", 20, 10, "jobs")]);

        Assert.Equal([("db", 0)], store.GetTrace("t1")!.Spans.Select(s => (s.Span.SpanId, s.Depth)));

        store.Add([Span("t1", "handle-a", null, 12, 35, "jobs")]);
        Assert.Equal([("handle-a", 0), ("db", 1)], store.GetTrace("t1")!.Spans.Select(s => (s.Span.SpanId, s.Depth)));
    }

    [Fact]
    public void Parent_cycle_does_not_lose_spans()
    {
        var spans = TraceAssembler.Assemble([Span("t", "a", "b", 0, 1), Span("t", "b", "a", 1, 1)]);

        Assert.Equal(["a", "b"], spans.Select(s => s.Span.SpanId));
    }

    [Fact]
    public void Oldest_trace_is_evicted_beyond_the_cap_and_later_spans_of_a_kept_trace_still_join_it()
    {
        var store = new TraceStore(maxTraces: 3, maxSpansPerTrace: 100);
        for (var i = 1; i <= 3; i++)
        {
            store.Add([Span("t" + i, "root", null, i, 5)]);
        }

        store.Add([Span("t2", "child", "root", 3, 1)]);
        store.Add([Span("t4", "root", null, 10, 5)]);

        Assert.Equal(3, store.TraceCount);
        Assert.Null(store.GetTrace("t1"));
        Assert.Equal(2, store.GetTrace("t2")!.Spans.Count);
        Assert.NotNull(store.GetTrace("t4"));
    }

    [Fact]
    public void Spans_beyond_the_per_trace_cap_are_dropped_and_counted_and_a_resent_span_is_kept_once()
    {
        var store = new TraceStore(maxTraces: 10, maxSpansPerTrace: 2);

        var dropped = store.Add([Span("t", "a", null, 0, 5), Span("t", "b", "a", 1, 1), Span("t", "c", "a", 2, 1)]);
        var droppedAgain = store.Add([Span("t", "a", null, 0, 5)]);

        Assert.Equal(1, dropped);
        Assert.Equal(0, droppedAgain);
        Assert.Equal(["a", "b"], store.GetTrace("t")!.Spans.Select(s => s.Span.SpanId));
    }

    [Fact]
    public void Query_filters_by_service_status_and_duration_newest_first()
    {
        var store = new TraceStore(10, 100);
        store.Add(RequestTrace());
        store.Add([Span("t2", "x", null, 200, 5, "images", SpanOutcome.Error)]);
        store.Add([Span("t3", "y", null, 300, 500, "gateway")]);

        Assert.Equal(["t3", "t2", "t1"], store.Query(new TraceQuery()).Select(t => t.TraceId));
        Assert.Equal(["t1"], store.Query(new TraceQuery { Service = "jobs" }).Select(t => t.TraceId));
        Assert.Equal(["t2"], store.Query(new TraceQuery { HasError = true }).Select(t => t.TraceId));
        Assert.Equal(["t3", "t1"], store.Query(new TraceQuery { HasError = false }).Select(t => t.TraceId));
        Assert.Equal(["t3", "t1"], store.Query(new TraceQuery { MinDuration = TimeSpan.FromMilliseconds(100) }).Select(t => t.TraceId));
        Assert.Equal(["t1"], store.Query(new TraceQuery { Text = "span request" }).Select(t => t.TraceId));
        Assert.Single(store.Query(new TraceQuery { Limit = 1 }));

        var summary = store.Query(new TraceQuery { Service = "jobs" })[0];
        Assert.Equal(("span request", "gateway", 5), (summary.Name, summary.RootService, summary.SpanCount));
        Assert.Equal(["gateway", "jobs"], summary.Services);
    }

    [Fact]
    public async Task Adding_spans_signals_waiting_live_views()
    {
        var store = new TraceStore(10, 100);
        var seen = store.Changes.Version;
        var waiting = store.Changes.WaitAsync(seen, CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        store.Add([Span("t", "a", null, 0, 1)]);

        await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(seen + 1, store.Changes.Version);
    }
}
