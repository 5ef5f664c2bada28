using Microsoft.Extensions.DependencyInjection.Extensions;
using Montage.Grpc.Health;
using Montage.Grpc.Server;

namespace Microsoft.Extensions.DependencyInjection;

public static class GrpcHealthChecksServiceCollectionExtensions
{
    /// <summary>Adds grpc.health.v1.Health driven by ASP.NET Core health checks; register checks on the returned builder.</summary>
    public static IHealthChecksBuilder AddGrpcHealthChecks(this IServiceCollection services, Action<GrpcHealthChecksOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<GrpcHealthChecksOptions>();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton<GrpcServiceRegistry>();
        services.TryAddSingleton<GrpcHealthService>();
        return services.AddHealthChecks();
    }
}
