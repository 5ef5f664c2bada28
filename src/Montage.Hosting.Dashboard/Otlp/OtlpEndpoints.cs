using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Montage.Hosting.Dashboard.Otlp.Proto.Collector.Logs.V1;
using Montage.Hosting.Dashboard.Otlp.Proto.Collector.Metrics.V1;
using Montage.Hosting.Dashboard.Otlp.Proto.Collector.Trace.V1;
using Montage.Hosting.Dashboard.Telemetry;
using RpcStatus = Montage.Hosting.Dashboard.Otlp.Proto.Rpc.Status;

namespace Montage.Hosting.Dashboard.Otlp;

/// <summary>
/// OTLP/HTTP receiver: POST /v1/traces, /v1/logs, /v1/metrics with a protobuf (or OTLP/JSON) body, optionally gzip'd.
/// Success answers the Export*ServiceResponse; failure answers a google.rpc.Status with a precise HTTP status.
/// </summary>
internal static class OtlpEndpoints
{
    public const string ApiKeyHeader = "x-otlp-api-key";

    /// <summary>Largest compressed request body accepted.</summary>
    public const long MaxRequestBytes = 32 * 1024 * 1024;

    /// <summary>Largest decompressed body accepted, so a small gzip body cannot exhaust memory.</summary>
    private const long MaxDecodedBytes = 64 * 1024 * 1024;

    private const string ProtobufType = "application/x-protobuf";
    private const string JsonType = "application/json";

    public static void Map(IEndpointRouteBuilder app, TelemetryStore telemetry, string? apiKey, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(telemetry);
        var logger = loggerFactory.CreateLogger(typeof(OtlpEndpoints));

        app.MapPost("/v1/traces", context => Receive(context, "traces", ExportTraceServiceRequest.Parser, apiKey, logger, request =>
        {
            var dropped = telemetry.Traces.Add(OtlpConverter.ToSpans(request));
            return new ExportTraceServiceResponse
            {
                PartialSuccess = dropped == 0 ? null : new ExportTracePartialSuccess { RejectedSpans = dropped, ErrorMessage = "The trace holds the most spans the dashboard keeps per trace." },
            };
        }));
        app.MapPost("/v1/logs", context => Receive(context, "logs", ExportLogsServiceRequest.Parser, apiKey, logger, request =>
        {
            telemetry.Logs.Add(OtlpConverter.ToLogs(request));
            return new ExportLogsServiceResponse();
        }));
        app.MapPost("/v1/metrics", context => Receive(context, "metrics", ExportMetricsServiceRequest.Parser, apiKey, logger, request =>
        {
            telemetry.Metrics.Add(OtlpConverter.ToMetrics(request));
            return new ExportMetricsServiceResponse();
        }));
    }

    private static async Task Receive<TRequest>(HttpContext context, string signal, MessageParser<TRequest> parser, string? apiKey, ILogger logger, Func<TRequest, IMessage> store)
        where TRequest : IMessage<TRequest>, new()
    {
        if (!string.IsNullOrEmpty(apiKey) && !KeyMatches(context.Request.Headers[ApiKeyHeader].ToString(), apiKey))
        {
            DashboardLog.OtlpRejected(logger, signal, "missing or wrong API key");
            await Fail(context, StatusCodes.Status401Unauthorized, 16, $"The {ApiKeyHeader} header is missing or wrong.", json: false).ConfigureAwait(false);
            return;
        }

        var mediaType = (context.Request.ContentType ?? "").Split(';')[0].Trim().ToLowerInvariant();
        var json = mediaType == JsonType;
        if (!json && mediaType != ProtobufType)
        {
            await Fail(context, StatusCodes.Status415UnsupportedMediaType, 3, "Send application/x-protobuf or application/json.", json: false).ConfigureAwait(false);
            return;
        }

        var encoding = context.Request.Headers.ContentEncoding.ToString().Trim().ToLowerInvariant();
        if (encoding is not ("" or "identity" or "gzip"))
        {
            await Fail(context, StatusCodes.Status415UnsupportedMediaType, 3, "Content-Encoding must be gzip or none.", json).ConfigureAwait(false);
            return;
        }

        TRequest request;
        try
        {
            var body = await ReadBody(context.Request.Body, encoding == "gzip", context.RequestAborted).ConfigureAwait(false);
            request = json ? OtlpJson.Parse(parser, Encoding.UTF8.GetString(body)) : parser.ParseFrom(body);
        }
        catch (Exception exception) when (exception is InvalidProtocolBufferException or InvalidDataException or InvalidJsonException or FormatException)
        {
            DashboardLog.OtlpRejected(logger, signal, "unreadable body");
            await Fail(context, StatusCodes.Status400BadRequest, 3, $"The body is not a valid OTLP {signal} export request.", json).ConfigureAwait(false);
            return;
        }
        catch (BodyTooLargeException)
        {
            DashboardLog.OtlpRejected(logger, signal, "body too large");
            await Fail(context, StatusCodes.Status413PayloadTooLarge, 8, "The decompressed body is too large.", json).ConfigureAwait(false);
            return;
        }

        await Write(context, StatusCodes.Status200OK, store(request), json).ConfigureAwait(false);
    }

    private static async Task<byte[]> ReadBody(Stream body, bool gzip, CancellationToken cancellationToken)
    {
        var source = gzip ? new GZipStream(body, CompressionMode.Decompress, leaveOpen: true) : body;
        try
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int read;
            while ((read = await source.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > MaxDecodedBytes)
                {
                    throw new BodyTooLargeException();
                }

                buffer.Write(chunk, 0, read);
            }

            return buffer.ToArray();
        }
        finally
        {
            if (gzip)
            {
                await source.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static bool KeyMatches(string presented, string expected) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));

    private static Task Fail(HttpContext context, int httpStatus, int rpcCode, string message, bool json) =>
        Write(context, httpStatus, new RpcStatus { Code = rpcCode, Message = message }, json);

    private static async Task Write(HttpContext context, int httpStatus, IMessage message, bool json)
    {
        context.Response.StatusCode = httpStatus;
        if (json)
        {
            context.Response.ContentType = JsonType;
            await context.Response.WriteAsync(JsonFormatter.Default.Format(message), context.RequestAborted).ConfigureAwait(false);
        }
        else
        {
            context.Response.ContentType = ProtobufType;
            await context.Response.Body.WriteAsync(message.ToByteArray(), context.RequestAborted).ConfigureAwait(false);
        }
    }

    private sealed class BodyTooLargeException : Exception;
}
