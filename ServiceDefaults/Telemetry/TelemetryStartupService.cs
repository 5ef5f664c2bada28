using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Montage.ServiceDefaults.Telemetry;

/// <summary>
/// Creates the tracer, meter and logger providers when the host starts. They are lazy DI
/// singletons, and a provider that is never resolved never listens: the first requests would
/// go untraced. (OpenTelemetry.Extensions.Hosting does the same; it does not restore here.)
/// </summary>
internal sealed class TelemetryStartupService(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = services.GetService<TracerProvider>();
        _ = services.GetService<MeterProvider>();
        _ = services.GetService<LoggerProvider>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
