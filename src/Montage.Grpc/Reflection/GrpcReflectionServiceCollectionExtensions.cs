using Microsoft.Extensions.DependencyInjection.Extensions;
using Montage.Grpc.Reflection;
using Montage.Grpc.Server;

namespace Microsoft.Extensions.DependencyInjection;

public static class GrpcReflectionServiceCollectionExtensions
{
    /// <summary>Adds gRPC server reflection (v1 and v1alpha) over the services mapped on this server.</summary>
    public static IServiceCollection AddGrpcReflection(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<GrpcServiceRegistry>();
        services.TryAddSingleton<ReflectionIndex>();
        services.TryAddSingleton<ReflectionServiceV1>();
        services.TryAddSingleton<ReflectionServiceV1Alpha>();
        return services;
    }
}
