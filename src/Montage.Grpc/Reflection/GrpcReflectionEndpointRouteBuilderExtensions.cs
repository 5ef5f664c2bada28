using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Montage.Grpc.Reflection;
using Montage.Grpc.Server;

namespace Microsoft.AspNetCore.Builder;

public static class GrpcReflectionEndpointRouteBuilderExtensions
{
    /// <summary>Maps grpc.reflection.v1.ServerReflection and grpc.reflection.v1alpha.ServerReflection.</summary>
    public static IEndpointConventionBuilder MapGrpcReflectionService(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (endpoints.ServiceProvider.GetService<ReflectionIndex>() is null)
        {
            throw new InvalidOperationException("Unable to find the gRPC reflection service. Add it by calling 'services.AddGrpcReflection()'.");
        }

        return new GrpcServiceEndpointConventionBuilder(
            [endpoints.MapGrpcService<ReflectionServiceV1>(), endpoints.MapGrpcService<ReflectionServiceV1Alpha>()]);
    }
}
