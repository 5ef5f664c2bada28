using Google.Protobuf.Reflection;
using Grpc.Health.V1;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Montage.Grpc.Server;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Montage.Grpc.Health;

/// <summary>
/// grpc.health.v1.Health answered from ASP.NET Core's <see cref="HealthCheckService"/>: a service is SERVING when
/// none of its checks is Unhealthy (Degraded still serves, as in Grpc.AspNetCore.HealthChecks).
/// </summary>
internal sealed class GrpcHealthService : IGrpcService
{
    private static readonly Func<HealthResult, bool> AllChecks = _ => true;

    private readonly HealthCheckService _healthChecks;
    private readonly GrpcHealthChecksOptions _options;
    private readonly GrpcServiceRegistry _registry;
    private readonly CancellationToken _stopping;

    public GrpcHealthService(HealthCheckService healthChecks, IOptions<GrpcHealthChecksOptions> options, GrpcServiceRegistry registry, IHostApplicationLifetime lifetime)
    {
        _healthChecks = healthChecks;
        _options = options.Value;
        _registry = registry;
        _stopping = lifetime.ApplicationStopping;
    }

    public static ServiceDescriptor Descriptor => HealthReflection.Descriptor.Services[0];

    public async Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context)
    {
        var predicate = Resolve(request.Service) ?? throw new RpcException(StatusCode.NotFound, $"Service '{request.Service}' is unknown.");
        var report = await _healthChecks.CheckHealthAsync(context.CancellationToken).ConfigureAwait(false);
        return new HealthCheckResponse { Status = StatusOf(report, predicate) };
    }

    public async Task<HealthListResponse> List(HealthListRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var report = await _healthChecks.CheckHealthAsync(context.CancellationToken).ConfigureAwait(false);
        var response = new HealthListResponse();
        foreach (var name in KnownNames())
        {
            response.Statuses[name] = new HealthCheckResponse { Status = StatusOf(report, Resolve(name)!) };
        }

        return response;
    }

    public async Task Watch(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> responseStream, ServerCallContext context)
    {
        var predicate = Resolve(request.Service);
        ServingStatus? last = null;
        try
        {
            if (predicate is null)
            {
                // The spec keeps the stream open for a service that may appear later; ours are fixed at startup.
                await responseStream.WriteAsync(new HealthCheckResponse { Status = ServingStatus.ServiceUnknown }, context.CancellationToken).ConfigureAwait(false);
                last = ServingStatus.ServiceUnknown;
                await Task.Delay(Timeout.Infinite, context.CancellationToken).ConfigureAwait(false);
                return;
            }

            while (true)
            {
                var report = await _healthChecks.CheckHealthAsync(context.CancellationToken).ConfigureAwait(false);
                var status = StatusOf(report, predicate);
                if (status != last)
                {
                    await responseStream.WriteAsync(new HealthCheckResponse { Status = status }, context.CancellationToken).ConfigureAwait(false);
                    last = status;
                }

                await Task.Delay(_options.WatchInterval, context.CancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested && !context.GetHttpContext().RequestAborted.IsCancellationRequested)
        {
            // Shutting down: watchers learn the server stops serving, and the call ends cleanly.
            if (last != ServingStatus.NotServing)
            {
                await responseStream.WriteAsync(new HealthCheckResponse { Status = ServingStatus.NotServing }, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private static ServingStatus StatusOf(HealthReport report, Func<HealthResult, bool> predicate)
    {
        foreach (var (name, entry) in report.Entries)
        {
            if (entry.Status == HealthStatus.Unhealthy
                && predicate(new HealthResult(name, entry.Tags, entry.Status, entry.Description, entry.Duration, entry.Exception, entry.Data)))
            {
                return ServingStatus.NotServing;
            }
        }

        return ServingStatus.Serving;
    }

    private Func<HealthResult, bool>? Resolve(string name)
    {
        if (_options.Services.TryGet(name, out var mapping))
        {
            return mapping.Predicate;
        }

        return name.Length == 0 || _registry.Services.Any(s => s.FullName == name) ? AllChecks : null;
    }

    private IEnumerable<string> KnownNames() =>
        new[] { "" }.Concat(_registry.Services.Select(s => s.FullName)).Concat(_options.Services.Select(m => m.Name)).Distinct(StringComparer.Ordinal);
}
