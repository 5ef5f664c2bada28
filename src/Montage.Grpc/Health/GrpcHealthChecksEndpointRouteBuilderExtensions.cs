using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Montage.Grpc.Health;
using Montage.Grpc.Server;

namespace Microsoft.AspNetCore.Builder;

public static class GrpcHealthChecksEndpointRouteBuilderExtensions
{
    /// <summary>Maps grpc.health.v1.Health (Check, List, Watch).</summary>
    public static GrpcServiceEndpointConventionBuilder MapGrpcHealthChecksService(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (endpoints.ServiceProvider.GetService<GrpcHealthService>() is null)
        {
            throw new InvalidOperationException("Unable to find the gRPC health service. Add it by calling 'services.AddGrpcHealthChecks()'.");
        }

        return endpoints.MapGrpcService<GrpcHealthService>();
    }
}
