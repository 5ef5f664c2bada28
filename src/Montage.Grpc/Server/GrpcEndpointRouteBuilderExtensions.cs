using Google.Protobuf.Reflection;
using Microsoft.AspNetCore.Routing;
using Montage.Grpc.Server;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps gRPC services onto endpoints, in the namespace and shape of Grpc.AspNetCore.</summary>
public static class GrpcEndpointRouteBuilderExtensions
{
    /// <summary>Maps a service class that declares its protobuf service through <see cref="IGrpcService"/>.</summary>
    public static GrpcServiceEndpointConventionBuilder MapGrpcService<TService>(this IEndpointRouteBuilder endpoints)
        where TService : class, IGrpcService =>
        ServiceBinder.Bind<TService>(endpoints, TService.Descriptor);

    /// <summary>
    /// Maps a service class onto the RPCs of <paramref name="descriptor"/>, e.g.
    /// <c>EchoReflection.Descriptor.FindTypeByName&lt;ServiceDescriptor&gt;("EchoService")</c>.
    /// </summary>
    public static GrpcServiceEndpointConventionBuilder MapGrpcService<TService>(this IEndpointRouteBuilder endpoints, ServiceDescriptor descriptor)
        where TService : class =>
        ServiceBinder.Bind<TService>(endpoints, descriptor);
}
