using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Montage.Grpc.Server;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registration of the gRPC server, in the namespace and shape of Grpc.AspNetCore.</summary>
public static class GrpcServiceCollectionExtensions
{
    public static IGrpcServerBuilder AddGrpc(this IServiceCollection services, Action<GrpcServiceOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddRouting();
        services.AddOptions<GrpcServiceOptions>();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton<GrpcServiceRegistry>();
        services.AddOptions<KestrelServerOptions>().Configure(KestrelHttp2Windows.Apply);
        return new GrpcServerBuilder(services);
    }
}
