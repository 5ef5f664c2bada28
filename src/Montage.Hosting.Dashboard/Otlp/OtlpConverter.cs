using System.Globalization;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Montage.Hosting.Dashboard.Otlp.Proto.Collector.Logs.V1;
using Montage.Hosting.Dashboard.Otlp.Proto.Collector.Metrics.V1;
using Montage.Hosting.Dashboard.Otlp.Proto.Collector.Trace.V1;
using Montage.Hosting.Dashboard.Otlp.Proto.Common.V1;
using Montage.Hosting.Dashboard.Otlp.Proto.Metrics.V1;
using Montage.Hosting.Dashboard.Otlp.Proto.Resource.V1;
using Montage.Hosting.Dashboard.Otlp.Proto.Trace.V1;
using Montage.Hosting.Dashboard.Telemetry;
using Attribute = Montage.Hosting.Dashboard.Telemetry.Attribute;

namespace Montage.Hosting.Dashboard.Otlp;

/// <summary>Turns OTLP export requests into the dashboard's records.</summary>
public static partial class OtlpConverter
{
    public const string UnknownService = "unknown_service";

    private const string OriginalFormatKey = "{OriginalFormat}";

    public static List<SpanRecord> ToSpans(ExportTraceServiceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var spans = new List<SpanRecord>();
        foreach (var resourceSpans in request.ResourceSpans)
        {
            var service = ServiceName(resourceSpans.Resource);
            foreach (var scopeSpans in resourceSpans.ScopeSpans)
            {
                var scope = scopeSpans.Scope?.Name ?? "";
                foreach (var span in scopeSpans.Spans)
                {
                    var traceId = Hex(span.TraceId);
                    var spanId = Hex(span.SpanId);
                    if (traceId is null || spanId is null)
                    {
                        continue;
                    }

                    spans.Add(new SpanRecord
                    {
                        TraceId = traceId,
                        SpanId = spanId,
                        ParentSpanId = Hex(span.ParentSpanId),
                        Name = span.Name,
                        Kind = KindName(span.Kind),
                        ServiceName = service,
                        ScopeName = scope,
                        Start = FromUnixNanos(span.StartTimeUnixNano),
                        End = FromUnixNanos(span.EndTimeUnixNano),
                        Status = span.Status?.Code switch
                        {
                            Status.Types.StatusCode.Ok => SpanOutcome.Ok,
                            Status.Types.StatusCode.Error => SpanOutcome.Error,
                            _ => SpanOutcome.Unset,
                        },
                        StatusMessage = string.IsNullOrEmpty(span.Status?.Message) ? null : span.Status.Message,
                        Attributes = Attributes(span.Attributes),
                        Events = span.Events.Select(e => new SpanEventRecord(e.Name, FromUnixNanos(e.TimeUnixNano), Attributes(e.Attributes))).ToList(),
                    });
                }
            }
        }

        return spans;
    }

    public static List<LogEntry> ToLogs(ExportLogsServiceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var entries = new List<LogEntry>();
        foreach (var resourceLogs in request.ResourceLogs)
        {
            var service = ServiceName(resourceLogs.Resource);
            foreach (var scopeLogs in resourceLogs.ScopeLogs)
            {
                var scope = scopeLogs.Scope?.Name ?? "";
                foreach (var record in scopeLogs.LogRecords)
                {
                    var attributes = Attributes(record.Attributes);
                    var body = record.Body is null ? "" : Format(record.Body);
                    var time = record.TimeUnixNano != 0 ? record.TimeUnixNano : record.ObservedTimeUnixNano;
                    var severityNumber = (int)record.SeverityNumber;
                    entries.Add(new LogEntry
                    {
                        Timestamp = time == 0 ? DateTimeOffset.UtcNow : FromUnixNanos(time),
                        SeverityNumber = severityNumber,
                        Severity = SeverityName(severityNumber, record.SeverityText),
                        Message = FillTemplate(body, attributes),
                        ServiceName = service,
                        ScopeName = scope,
                        TraceId = Hex(record.TraceId),
                        SpanId = Hex(record.SpanId),
                        EventName = string.IsNullOrEmpty(record.EventName) ? null : record.EventName,
                        Attributes = attributes.Where(a => a.Key != OriginalFormatKey).ToList(),
                    });
                }
            }
        }

        return entries;
    }

    public static List<MetricSample> ToMetrics(ExportMetricsServiceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var samples = new List<MetricSample>();
        foreach (var resourceMetrics in request.ResourceMetrics)
        {
            var service = ServiceName(resourceMetrics.Resource);
            foreach (var scopeMetrics in resourceMetrics.ScopeMetrics)
            {
                var scope = scopeMetrics.Scope?.Name ?? "";
                foreach (var metric in scopeMetrics.Metrics)
                {
                    var template = new MetricSample
                    {
                        ServiceName = service,
                        ScopeName = scope,
                        InstrumentName = metric.Name,
                        Description = metric.Description,
                        Unit = metric.Unit,
                        Kind = metric.DataCase.ToString(),
                        Point = new MetricPoint(default, 0),
                    };
                    AddPoints(metric, template, samples);
                }
            }
        }

        return samples;
    }

    /// <summary>Renders an attribute value as text: strings as they are, arrays and maps in a JSON-like form.</summary>
    public static string Format(AnyValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.ValueCase switch
        {
            AnyValue.ValueOneofCase.StringValue => value.StringValue,
            AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
            AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(CultureInfo.InvariantCulture),
            AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue.ToString("R", CultureInfo.InvariantCulture),
            AnyValue.ValueOneofCase.BytesValue => Convert.ToBase64String(value.BytesValue.Span),
            AnyValue.ValueOneofCase.ArrayValue => "[" + string.Join(", ", value.ArrayValue.Values.Select(Format)) + "]",
            AnyValue.ValueOneofCase.KvlistValue => "{" + string.Join(", ", value.KvlistValue.Values.Select(kv => kv.Key + ": " + (kv.Value is null ? "" : Format(kv.Value)))) + "}",
            _ => "",
        };
    }

    public static DateTimeOffset FromUnixNanos(ulong nanoseconds) =>
        DateTimeOffset.UnixEpoch.AddTicks((long)Math.Min(nanoseconds / 100, (ulong)(DateTimeOffset.MaxValue - DateTimeOffset.UnixEpoch).Ticks));

    /// <summary>Trace, Debug, Information, Warning, Error or Critical, from the OTLP severity number (1-24).</summary>
    public static string SeverityName(int severityNumber, string? severityText) => severityNumber switch
    {
        >= 1 and <= 4 => "Trace",
        >= 5 and <= 8 => "Debug",
        >= 9 and <= 12 => "Information",
        >= 13 and <= 16 => "Warning",
        >= 17 and <= 20 => "Error",
        >= 21 and <= 24 => "Critical",
        _ => string.IsNullOrEmpty(severityText) ? "Unspecified" : severityText,
    };

    private static void AddPoints(Metric metric, MetricSample template, List<MetricSample> samples)
    {
        switch (metric.DataCase)
        {
            case Metric.DataOneofCase.Gauge:
                AddNumbers(metric.Gauge.DataPoints, template, samples);
                break;
            case Metric.DataOneofCase.Sum:
                var delta = metric.Sum.AggregationTemporality == AggregationTemporality.Delta && metric.Sum.IsMonotonic;
                AddNumbers(metric.Sum.DataPoints, template with { AccumulateDelta = delta }, samples);
                break;
            case Metric.DataOneofCase.Histogram:
                foreach (var point in metric.Histogram.DataPoints)
                {
                    if (NoRecordedValue(point.Flags))
                    {
                        continue;
                    }

                    double? min = point.HasMin ? point.Min : null;
                    double? max = point.HasMax ? point.Max : null;
                    var sum = point.HasSum ? point.Sum : 0;
                    var stats = new HistogramStats(
                        point.Count,
                        sum,
                        min,
                        max,
                        HistogramPercentiles.Estimate(0.50, point.BucketCounts, point.ExplicitBounds, min, max),
                        HistogramPercentiles.Estimate(0.90, point.BucketCounts, point.ExplicitBounds, min, max),
                        HistogramPercentiles.Estimate(0.99, point.BucketCounts, point.ExplicitBounds, min, max));
                    var mean = point.Count == 0 ? 0 : sum / point.Count;
                    samples.Add(template with { Attributes = Attributes(point.Attributes), Point = new MetricPoint(FromUnixNanos(point.TimeUnixNano), mean, stats) });
                }

                break;
            case Metric.DataOneofCase.ExponentialHistogram:
                foreach (var point in metric.ExponentialHistogram.DataPoints)
                {
                    var sum = point.HasSum ? point.Sum : 0;
                    var stats = new HistogramStats(point.Count, sum, point.HasMin ? point.Min : null, point.HasMax ? point.Max : null, null, null, null);
                    var mean = point.Count == 0 ? 0 : sum / point.Count;
                    samples.Add(template with { Attributes = Attributes(point.Attributes), Point = new MetricPoint(FromUnixNanos(point.TimeUnixNano), mean, stats) });
                }

                break;
            case Metric.DataOneofCase.Summary:
                foreach (var point in metric.Summary.DataPoints)
                {
                    var mean = point.Count == 0 ? 0 : point.Sum / point.Count;
                    samples.Add(template with { Attributes = Attributes(point.Attributes), Point = new MetricPoint(FromUnixNanos(point.TimeUnixNano), mean, new HistogramStats(point.Count, point.Sum, null, null, null, null, null)) });
                }

                break;
            case Metric.DataOneofCase.None:
            default:
                break;
        }
    }

    private static void AddNumbers(RepeatedField<NumberDataPoint> points, MetricSample template, List<MetricSample> samples)
    {
        foreach (var point in points)
        {
            if (NoRecordedValue(point.Flags))
            {
                continue;
            }

            var value = point.ValueCase == NumberDataPoint.ValueOneofCase.AsInt ? point.AsInt : point.AsDouble;
            samples.Add(template with { Attributes = Attributes(point.Attributes), Point = new MetricPoint(FromUnixNanos(point.TimeUnixNano), value) });
        }
    }

    private static bool NoRecordedValue(uint flags) => (flags & (uint)DataPointFlags.NoRecordedValueMask) != 0;

    private static string ServiceName(Resource? resource)
    {
        var name = resource?.Attributes.FirstOrDefault(a => a.Key == "service.name")?.Value;
        return name is null || string.IsNullOrEmpty(Format(name)) ? UnknownService : Format(name);
    }

    private static List<Attribute> Attributes(RepeatedField<KeyValue> attributes) =>
        attributes.Select(a => new Attribute(a.Key, a.Value is null ? "" : Format(a.Value))).ToList();

    private static string? Hex(ByteString id)
    {
        if (id.IsEmpty)
        {
            return null;
        }

        var span = id.Span;
        // An all-zero id is invalid in OTLP: treat it as absent.
        return span.IndexOfAnyExcept((byte)0) < 0 ? null : Convert.ToHexStringLower(span);
    }

    private static string KindName(Span.Types.SpanKind kind) => kind switch
    {
        Span.Types.SpanKind.Internal => "Internal",
        Span.Types.SpanKind.Server => "Server",
        Span.Types.SpanKind.Client => "Client",
        Span.Types.SpanKind.Producer => "Producer",
        Span.Types.SpanKind.Consumer => "Consumer",
        _ => "Unspecified",
    };

    /// <summary>
    /// An exporter that sends the message template as the body (Microsoft.Extensions.Logging without a formatted
    /// message) also sends the values as attributes; fill them in so the message reads as it was logged.
    /// </summary>
    private static string FillTemplate(string body, List<Attribute> attributes)
    {
        if (!body.Contains('{', StringComparison.Ordinal) || attributes.Count == 0)
        {
            return body;
        }

        return TemplateHole().Replace(body, match =>
        {
            var name = match.Groups["name"].Value;
            var attribute = attributes.FirstOrDefault(a => a.Key == name);
            return attribute is null ? match.Value : attribute.Value;
        });
    }

    [GeneratedRegex(@"\{(?<name>[A-Za-z0-9_.@]+)(?:[,:][^}]*)?\}")]
    private static partial Regex TemplateHole();
}
