using Google.Protobuf;
using Montage.Hosting.Dashboard.Otlp;
using Montage.Hosting.Dashboard.Otlp.Proto.Collector.Logs.V1;
using Montage.Hosting.Dashboard.Otlp.Proto.Collector.Metrics.V1;
using Montage.Hosting.Dashboard.Otlp.Proto.Collector.Trace.V1;
using Montage.Hosting.Dashboard.Otlp.Proto.Common.V1;
using Montage.Hosting.Dashboard.Otlp.Proto.Logs.V1;
using Montage.Hosting.Dashboard.Otlp.Proto.Metrics.V1;
using Montage.Hosting.Dashboard.Otlp.Proto.Resource.V1;
using Montage.Hosting.Dashboard.Otlp.Proto.Trace.V1;
using Montage.Hosting.Dashboard.Telemetry;
using Attribute = Montage.Hosting.Dashboard.Telemetry.Attribute;

namespace Montage.Hosting.Tests.Dashboard;

public sealed class OtlpConverterUnitTests
{
    private static readonly byte[] TraceId = Convert.FromHexString("5b8efff798038103d269b633813fc60c");
    private static readonly byte[] SpanId = Convert.FromHexString("eee19b7ec3c1b174");

    private static Resource Service(string name) => new() { Attributes = { new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = name } } } };

    [Fact]
    public void Span_fields_survive_the_wire_format()
    {
        var request = new ExportTraceServiceRequest
        {
            ResourceSpans =
            {
                new ResourceSpans
                {
                    Resource = Service("gateway"),
                    ScopeSpans =
                    {
                        new ScopeSpans
                        {
                            Scope = new InstrumentationScope { Name = "Microsoft.AspNetCore" },
                            Spans =
                            {
                                new Span
                                {
                                    TraceId = ByteString.CopyFrom(TraceId),
                                    SpanId = ByteString.CopyFrom(SpanId),
                                    ParentSpanId = ByteString.CopyFrom(new byte[8]),
                                    Name = "POST /v1/videos",
                                    Kind = Span.Types.SpanKind.Server,
                                    StartTimeUnixNano = 1_700_000_000_000_000_000,
                                    EndTimeUnixNano = 1_700_000_000_250_000_000,
                                    Status = new Status { Code = Status.Types.StatusCode.Error, Message = "boom" },
                                    Attributes =
                                    {
                                        new KeyValue { Key = "http.response.status_code", Value = new AnyValue { IntValue = 500 } },
                                        new KeyValue { Key = "tags", Value = new AnyValue { ArrayValue = new ArrayValue { Values = { new AnyValue { StringValue = "a" }, new AnyValue { BoolValue = true } } } } },
                                    },
                                },
                            },
                        },
                    },
                },
            },
        };

        // Through bytes, as the receiver sees it.
        var span = Assert.Single(OtlpConverter.ToSpans(ExportTraceServiceRequest.Parser.ParseFrom(request.ToByteArray())));

        Assert.Equal("5b8efff798038103d269b633813fc60c", span.TraceId);
        Assert.Equal("eee19b7ec3c1b174", span.SpanId);
        Assert.Null(span.ParentSpanId);
        Assert.Equal(("gateway", "Microsoft.AspNetCore", "Server"), (span.ServiceName, span.ScopeName, span.Kind));
        Assert.Equal(TimeSpan.FromMilliseconds(250), span.Duration);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), span.Start);
        Assert.Equal((SpanOutcome.Error, "boom"), (span.Status, span.StatusMessage));
        Assert.Equal([new Attribute("http.response.status_code", "500"), new Attribute("tags", "[a, true]")], span.Attributes);
    }

    [Fact]
    public void Log_message_templates_are_filled_from_attributes_and_severity_is_named()
    {
        var request = new ExportLogsServiceRequest
        {
            ResourceLogs =
            {
                new ResourceLogs
                {
                    ScopeLogs =
                    {
                        new ScopeLogs
                        {
                            LogRecords =
                            {
                                new LogRecord
                                {
                                    ObservedTimeUnixNano = 1_700_000_000_000_000_000,
                                    SeverityNumber = SeverityNumber.Error2,
                                    Body = new AnyValue { StringValue = "Job {JobId} failed after {Attempts:N0} attempts" },
                                    TraceId = ByteString.CopyFrom(TraceId),
                                    Attributes =
                                    {
                                        new KeyValue { Key = "JobId", Value = new AnyValue { StringValue = "job-1" } },
                                        new KeyValue { Key = "Attempts", Value = new AnyValue { IntValue = 3 } },
                                        new KeyValue { Key = "{OriginalFormat}", Value = new AnyValue { StringValue = "Job {JobId} failed after {Attempts:N0} attempts" } },
                                    },
                                },
                            },
                        },
                    },
                },
            },
        };

        var entry = Assert.Single(OtlpConverter.ToLogs(ExportLogsServiceRequest.Parser.ParseFrom(request.ToByteArray())));

        Assert.Equal("Job job-1 failed after 3 attempts", entry.Message);
        Assert.Equal(("Error", 18), (entry.Severity, entry.SeverityNumber));
        Assert.Equal(OtlpConverter.UnknownService, entry.ServiceName);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), entry.Timestamp);
        Assert.Equal("5b8efff798038103d269b633813fc60c", entry.TraceId);
        Assert.Null(entry.SpanId);
        Assert.DoesNotContain(entry.Attributes, a => a.Key == "{OriginalFormat}");
    }

    [Fact]
    public void Metric_kinds_become_points_with_histogram_statistics()
    {
        var request = new ExportMetricsServiceRequest
        {
            ResourceMetrics =
            {
                new ResourceMetrics
                {
                    Resource = Service("jobs"),
                    ScopeMetrics =
                    {
                        new ScopeMetrics
                        {
                            Scope = new InstrumentationScope { Name = "Montage.Jobs" },
                            Metrics =
                            {
                                new Metric { Name = "queue.depth", Gauge = new Gauge { DataPoints = { new NumberDataPoint { TimeUnixNano = 1, AsInt = 12 } } } },
                                new Metric
                                {
                                    Name = "job.duration",
                                    Unit = "s",
                                    Histogram = new Histogram
                                    {
                                        AggregationTemporality = AggregationTemporality.Cumulative,
                                        DataPoints = { new HistogramDataPoint { TimeUnixNano = 1, Count = 4, Sum = 10, BucketCounts = { 2, 2 }, ExplicitBounds = { 2 }, Min = 1, Max = 4 } },
                                    },
                                },
                                new Metric
                                {
                                    Name = "no.value",
                                    Sum = new Sum { DataPoints = { new NumberDataPoint { TimeUnixNano = 1, Flags = (uint)DataPointFlags.NoRecordedValueMask } } },
                                },
                            },
                        },
                    },
                },
            },
        };

        var samples = OtlpConverter.ToMetrics(ExportMetricsServiceRequest.Parser.ParseFrom(request.ToByteArray()));

        Assert.Equal(2, samples.Count);
        Assert.Equal(("queue.depth", "Gauge", 12.0), (samples[0].InstrumentName, samples[0].Kind, samples[0].Point.Value));
        var histogram = samples[1];
        Assert.Equal(("job.duration", "Histogram", "s", 2.5), (histogram.InstrumentName, histogram.Kind, histogram.Unit, histogram.Point.Value));
        Assert.Equal(4UL, histogram.Point.Histogram!.Count);
        Assert.Equal(2, histogram.Point.Histogram.P50!.Value, 6);
    }
}
