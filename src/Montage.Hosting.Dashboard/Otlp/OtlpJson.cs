using Google.Protobuf;
using Montage.Hosting.Dashboard.Otlp.Proto.Collector.Logs.V1;
using Montage.Hosting.Dashboard.Otlp.Proto.Collector.Trace.V1;

namespace Montage.Hosting.Dashboard.Otlp;

/// <summary>
/// OTLP/JSON differs from the protobuf JSON mapping in one way that matters: trace and span ids are hex, not base64.
/// Hex digits are also base64 digits, so the standard parser accepts them and decodes 32 hex characters to 24 bytes
/// (16 to 12) without loss; re-encoding those bytes as base64 gives back the hex text, which we then decode properly.
/// </summary>
internal static class OtlpJson
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    public static T Parse<T>(MessageParser<T> parser, string json)
        where T : IMessage<T>, new()
    {
        ArgumentNullException.ThrowIfNull(parser);
        var message = Parser.Parse<T>(json);
        switch (message)
        {
            case ExportTraceServiceRequest traces:
                foreach (var span in traces.ResourceSpans.SelectMany(r => r.ScopeSpans).SelectMany(s => s.Spans))
                {
                    span.TraceId = FromHexText(span.TraceId, 16);
                    span.SpanId = FromHexText(span.SpanId, 8);
                    span.ParentSpanId = FromHexText(span.ParentSpanId, 8);
                    foreach (var link in span.Links)
                    {
                        link.TraceId = FromHexText(link.TraceId, 16);
                        link.SpanId = FromHexText(link.SpanId, 8);
                    }
                }

                break;
            case ExportLogsServiceRequest logs:
                foreach (var record in logs.ResourceLogs.SelectMany(r => r.ScopeLogs).SelectMany(s => s.LogRecords))
                {
                    record.TraceId = FromHexText(record.TraceId, 16);
                    record.SpanId = FromHexText(record.SpanId, 8);
                }

                break;
            default:
                break;
        }

        return message;
    }

    private static ByteString FromHexText(ByteString misread, int idLength)
    {
        // A hex id of n bytes is 2n characters, which the base64 decoder turned into 2n * 3 / 4 bytes.
        if (misread.Length != idLength * 2 * 3 / 4)
        {
            return misread;
        }

        var text = Convert.ToBase64String(misread.Span);
        try
        {
            return ByteString.CopyFrom(Convert.FromHexString(text));
        }
        catch (FormatException)
        {
            return misread;
        }
    }
}
