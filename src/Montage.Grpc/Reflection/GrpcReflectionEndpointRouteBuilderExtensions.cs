using Microsoft.AspNetCore.Routing;
using Montage.Grpc.Reflection;
using Montage.Grpc.Server;

namespace Microsoft.AspNetCore.Builder;

public static class GrpcReflectionEndpointRouteBuilderExtensions
{
    /// <summary>Maps grpc.reflection.v1.ServerReflection and grpc.reflection.v1alpha.ServerReflection.</summary>
    public static IEndpointConventionBuilder MapGrpcReflectionService(this IEndpointRouteBuilder endpoints) =>
        new GrpcServiceEndpointConventionBuilder([endpoints.MapGrpcService<ReflectionServiceV1>(), endpoints.MapGrpcService<ReflectionServiceV1Alpha>()]);
}
