using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Montage.ServiceDefaults.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

public static class TelemetryExtensions
{
    /// <summary>
    /// Traces, metrics and logs through the OpenTelemetry SDK, exported over OTLP when
    /// OTEL_EXPORTER_OTLP_ENDPOINT is set. Tracing is on even without an exporter so that W3C
    /// trace context still flows through the service.
    /// </summary>
    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);

        var settings = OtlpSettings.FromConfiguration(builder.Configuration, builder.Environment.ApplicationName);
        builder.Services.AddSingleton(settings);

        var openTelemetry = new OpenTelemetryServicesBuilder(builder.Services);
        openTelemetry.ConfigureResource(resource => resource.AddService(
            settings.ServiceName,
            serviceInstanceId: settings.ServiceInstanceId,
            autoGenerateServiceInstanceId: false));

        openTelemetry.WithTracing(tracing =>
        {
            tracing.AddSource([.. TelemetryNames.ActivitySources]);
            if (settings.IsExporting)
            {
                tracing.AddOtlpExporter(options => ConfigureExporter(options, settings, "v1/traces"));
            }
        });

        openTelemetry.WithMetrics(metrics =>
        {
            metrics.AddMeter([.. TelemetryNames.Meters]);
            if (settings.IsExporting)
            {
                metrics.AddOtlpExporter(options => ConfigureExporter(options, settings, "v1/metrics"));
            }
        });

        openTelemetry.WithLogging(
            logging =>
            {
                if (settings.IsExporting)
                {
                    logging.AddOtlpExporter(options => ConfigureExporter(options, settings, "v1/logs"));
                }
            },
            options =>
            {
                options.IncludeFormattedMessage = true;
                options.IncludeScopes = true;
            });

        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IStartupFilter, HttpServerTracingFilter>());
        builder.Services.AddHostedService<TelemetryStartupService>();
        return builder;
    }

    private static void ConfigureExporter(OtlpExporterOptions options, OtlpSettings settings, string signalPath)
    {
        options.Protocol = settings.Protocol;
        options.Endpoint = settings.SignalEndpoint(signalPath);

        // A plain client: the default one would come from IHttpClientFactory and carry the
        // resilience and service discovery handlers meant for service-to-service calls.
        var timeout = TimeSpan.FromMilliseconds(options.TimeoutMilliseconds);
        options.HttpClientFactory = () => new HttpClient { Timeout = timeout };
    }

    /// <summary>The SDK's builder over our service collection (OpenTelemetry.Extensions.Hosting does not restore).</summary>
    private sealed class OpenTelemetryServicesBuilder(IServiceCollection services) : IOpenTelemetryBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
