using Montage.Hosting.Dashboard.Telemetry;

namespace Montage.Hosting.Tests.Dashboard;

public sealed class LogStoreUnitTests
{
    private static LogEntry Entry(string message, int severity = 9, string service = "gateway", string? traceId = null, params Montage.Hosting.Dashboard.Telemetry.Attribute[] attributes) => new()
    {
        Timestamp = DateTimeOffset.UnixEpoch,
        SeverityNumber = severity,
        Severity = "x",
        Message = message,
        ServiceName = service,
        TraceId = traceId,
        Attributes = attributes,
    };

    [Fact]
    public void Oldest_records_are_evicted_beyond_the_capacity_and_ids_keep_increasing()
    {
        var store = new LogStore(capacity: 3);

        store.Add(Enumerable.Range(1, 5).Select(i => Entry("m" + i)));

        Assert.Equal(3, store.Count);
        var kept = store.Query(new LogQuery());
        Assert.Equal(["m5", "m4", "m3"], kept.Select(e => e.Message));
        Assert.Equal([5L, 4L, 3L], kept.Select(e => e.Id));
    }

    [Fact]
    public void Query_filters_by_service_severity_text_trace_and_after_id()
    {
        var store = new LogStore(100);
        store.Add(
        [
            Entry("Accepted video", 9, "gateway", "t1"),
            Entry("Lease expired", 13, "jobs", "t1", new Montage.Hosting.Dashboard.Telemetry.Attribute("LeaseId", "lease-9")),
            Entry("Provider failed", 17, "images", "t2"),
        ]);

        Assert.Equal(["Lease expired"], store.Query(new LogQuery { Service = "jobs" }).Select(e => e.Message));
        Assert.Equal(["Provider failed", "Lease expired"], store.Query(new LogQuery { MinSeverityNumber = 13 }).Select(e => e.Message));
        Assert.Equal(["Lease expired"], store.Query(new LogQuery { Text = "LEASE-9" }).Select(e => e.Message));
        Assert.Equal(["Lease expired", "Accepted video"], store.Query(new LogQuery { TraceId = "T1" }).Select(e => e.Message));
        Assert.Equal(["Provider failed"], store.Query(new LogQuery { AfterId = 2 }).Select(e => e.Message));
        Assert.Equal(["gateway", "images", "jobs"], store.Services());
    }
}
