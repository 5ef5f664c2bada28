using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Montage.Hosting.Tests.Dashboard;

/// <summary>
/// Sends telemetry exactly as Montage's services do: the OpenTelemetry SDK with its OTLP exporter over
/// HTTP/protobuf, one provider per service name, pointed at the dashboard's receiver.
/// </summary>
internal static class OtlpTestExport
{
    public static void Configure(OtlpExporterOptions options, Uri otlpEndpoint, string signalPath)
    {
        // With HttpProtobuf an endpoint set in code is used as-is, so it names the signal's path.
        options.Endpoint = new Uri(otlpEndpoint, signalPath);
        options.Protocol = OtlpExportProtocol.HttpProtobuf;
        options.Headers = $"x-otlp-api-key={DashboardFixture.OtlpApiKey}";
    }

    public static TracerProvider Tracer(string serviceName, string sourceName, Uri otlpEndpoint) =>
        Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService(serviceName))
            .AddSource(sourceName)
            .AddOtlpExporter(o => Configure(o, otlpEndpoint, "v1/traces"))
            .Build()!;

    public static MeterProvider Meter(string serviceName, string meterName, Uri otlpEndpoint) =>
        Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService(serviceName))
            .AddMeter(meterName)
            .AddOtlpExporter(o => Configure(o, otlpEndpoint, "v1/metrics"))
            .Build()!;

    public static ILoggerFactory Logger(string serviceName, Uri otlpEndpoint) =>
        LoggerFactory.Create(builder => builder.AddOpenTelemetry(o =>
        {
            o.SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService(serviceName));
            o.IncludeFormattedMessage = true;
            o.IncludeScopes = true;
            o.AddOtlpExporter(e => Configure(e, otlpEndpoint, "v1/logs"));
        }));

    /// <summary>
    /// One request crossing two services: the gateway's server span, its client call, and the jobs service's server
    /// span and database span, exported by two tracer providers with two service names. Returns the trace id.
    /// </summary>
    public static string ExportCrossServiceTrace(Uri otlpEndpoint, string gatewayService, string jobsService, ILogger? gatewayLogger = null)
    {
        var gatewaySourceName = "Montage.Tests." + gatewayService;
        var jobsSourceName = "Montage.Tests." + jobsService;
        using var gatewayTracer = Tracer(gatewayService, gatewaySourceName, otlpEndpoint);
        using var jobsTracer = Tracer(jobsService, jobsSourceName, otlpEndpoint);
        using var gatewaySource = new ActivitySource(gatewaySourceName);
        using var jobsSource = new ActivitySource(jobsSourceName);

        string traceId;
        using (var request = gatewaySource.StartActivity("POST /v1/videos", ActivityKind.Server)!)
        {
            traceId = request.TraceId.ToHexString();
            request.SetTag("http.request.method", "POST");
            request.SetTag("url.path", "/v1/videos");
            gatewayLogger?.LogInformation("Accepted video request {VideoId} for model {Model}", "vid-42", "kling-2.1");
            using (var call = gatewaySource.StartActivity("montage.jobs.v1.JobTracker/Submit", ActivityKind.Client)!)
            {
                call.SetTag("rpc.system", "grpc");
                using (var handle = jobsSource.StartActivity("montage.jobs.v1.JobTracker/Submit", ActivityKind.Server)!)
                {
                    handle.SetTag("rpc.system", "grpc");
                    using (var insert = jobsSource.StartActivity("INSERT jobs", ActivityKind.Client)!)
                    {
                        insert.SetTag("db.system", "postgresql");
                        Thread.Sleep(5);
                    }
                }
            }

            request.SetTag("http.response.status_code", 202);
        }

        if (!jobsTracer.ForceFlush(30_000) || !gatewayTracer.ForceFlush(30_000))
        {
            throw new TimeoutException("The OTLP exporter did not flush in time.");
        }

        return traceId;
    }

    public static void ExportCounter(Uri otlpEndpoint, string serviceName, string meterName, string instrumentName, long value)
    {
        using var provider = Meter(serviceName, meterName, otlpEndpoint);
        using var meter = new Meter(meterName);
        var counter = meter.CreateCounter<long>(instrumentName, unit: "{job}", description: "Jobs submitted to providers");
        counter.Add(value, new KeyValuePair<string, object?>("provider", "fal"));
        if (!provider.ForceFlush(30_000))
        {
            throw new TimeoutException("The OTLP metric exporter did not flush in time.");
        }
    }
}
