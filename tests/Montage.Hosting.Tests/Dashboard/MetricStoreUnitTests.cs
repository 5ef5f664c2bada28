using Montage.Hosting.Dashboard.Telemetry;
using Attribute = Montage.Hosting.Dashboard.Telemetry.Attribute;

namespace Montage.Hosting.Tests.Dashboard;

public sealed class MetricStoreUnitTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static MetricSample Sample(string name, int second, double value, string service = "jobs", bool delta = false, params Attribute[] attributes) => new()
    {
        ServiceName = service,
        ScopeName = "Montage.Jobs",
        InstrumentName = name,
        Kind = "Sum",
        Unit = "{job}",
        Attributes = attributes,
        Point = new MetricPoint(T0.AddSeconds(second), value),
        AccumulateDelta = delta,
    };

    [Fact]
    public void Each_series_keeps_its_newest_points_up_to_the_cap()
    {
        var store = new MetricStore(maxInstruments: 10, maxPointsPerSeries: 3);

        store.Add(Enumerable.Range(1, 5).Select(i => Sample("jobs.submitted", i, i * 10)));

        var instrument = store.Get("jobs", "Montage.Jobs", "jobs.submitted")!;
        var series = Assert.Single(instrument.Series);
        Assert.Equal([30.0, 40.0, 50.0], series.Points.Select(p => p.Value));
        Assert.Equal(50, series.Latest.Value);
        Assert.Equal(T0.AddSeconds(5), instrument.LastUpdated);
    }

    [Fact]
    public void Attribute_sets_make_separate_series_whatever_their_order()
    {
        var store = new MetricStore(10, 10);

        store.Add(
        [
            Sample("jobs.submitted", 1, 1, attributes: [new("provider", "fal"), new("model", "kling")]),
            Sample("jobs.submitted", 2, 2, attributes: [new("model", "kling"), new("provider", "fal")]),
            Sample("jobs.submitted", 2, 7, attributes: [new("provider", "kie")]),
        ]);

        var instrument = store.Get("jobs", "Montage.Jobs", "jobs.submitted")!;
        Assert.Equal(2, instrument.Series.Count);
        Assert.Contains(instrument.Series, s => s.Latest.Value == 2 && s.Points.Count == 2);
        Assert.Contains(instrument.Series, s => s.Latest.Value == 7);
    }

    [Fact]
    public void Delta_sums_are_shown_as_running_totals_and_a_repeated_instant_replaces_its_point()
    {
        var store = new MetricStore(10, 10);

        store.Add([Sample("delta", 1, 5, delta: true), Sample("delta", 2, 3, delta: true)]);
        store.Add([Sample("cumulative", 1, 5), Sample("cumulative", 1, 6)]);

        Assert.Equal([5.0, 8.0], store.Get("jobs", "Montage.Jobs", "delta")!.Series[0].Points.Select(p => p.Value));
        Assert.Equal([6.0], store.Get("jobs", "Montage.Jobs", "cumulative")!.Series[0].Points.Select(p => p.Value));
    }

    [Fact]
    public void Instruments_beyond_the_cap_are_ignored_and_the_list_has_no_history()
    {
        var store = new MetricStore(maxInstruments: 2, maxPointsPerSeries: 10);

        store.Add([Sample("b", 1, 1), Sample("a", 1, 1), Sample("c", 1, 1), Sample("a", 2, 2)]);

        Assert.Equal(2, store.InstrumentCount);
        var list = store.List();
        Assert.Equal(["a", "b"], list.Select(i => i.Name));
        Assert.Equal(2, list[0].Series[0].Latest.Value);
        Assert.Empty(list[0].Series[0].Points);
        Assert.Null(store.Get("jobs", "Montage.Jobs", "c"));
    }

    [Fact]
    public void Histogram_percentiles_are_interpolated_inside_buckets()
    {
        // 100 values: 50 in (0,10], 40 in (10,100], 10 above 100 (max 400).
        ulong[] counts = [50, 40, 10];
        double[] bounds = [10, 100];

        Assert.Equal(10, HistogramPercentiles.Estimate(0.5, counts, bounds, min: 0, max: 400)!.Value, 6);
        Assert.Equal(100, HistogramPercentiles.Estimate(0.9, counts, bounds, 0, 400)!.Value, 6);
        Assert.Equal(370, HistogramPercentiles.Estimate(0.99, counts, bounds, 0, 400)!.Value, 6);
        Assert.Null(HistogramPercentiles.Estimate(0.5, [0, 0, 0], bounds, null, null));
        Assert.Null(HistogramPercentiles.Estimate(0.5, [1, 2], bounds, null, null));
    }
}
