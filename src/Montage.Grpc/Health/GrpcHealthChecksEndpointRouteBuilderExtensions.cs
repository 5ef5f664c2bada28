using Microsoft.AspNetCore.Routing;
using Montage.Grpc.Health;
using Montage.Grpc.Server;

namespace Microsoft.AspNetCore.Builder;

public static class GrpcHealthChecksEndpointRouteBuilderExtensions
{
    /// <summary>Maps grpc.health.v1.Health (Check, List, Watch).</summary>
    public static GrpcServiceEndpointConventionBuilder MapGrpcHealthChecksService(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGrpcService<GrpcHealthService>();
}
