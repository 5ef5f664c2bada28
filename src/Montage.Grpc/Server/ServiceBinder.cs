using System.Reflection;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace Montage.Grpc.Server;

/// <summary>
/// Maps a service class onto endpoints, once, from its protobuf descriptor: each RPC is bound to the class's
/// method of the same name through a delegate compiled here, so calls involve no reflection.
/// </summary>
internal static class ServiceBinder
{
    private static readonly MethodInfo CreateMethodEndpointInfo =
        typeof(ServiceBinder).GetMethod(nameof(CreateMethodEndpoint), BindingFlags.NonPublic | BindingFlags.Static)!;

    public static GrpcServiceEndpointConventionBuilder Bind<TService>(IEndpointRouteBuilder endpoints, ServiceDescriptor descriptor)
        where TService : class
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(descriptor);
        var services = endpoints.ServiceProvider;
        var registry = services.GetService<GrpcServiceRegistry>()
            ?? throw new InvalidOperationException("Unable to find the gRPC services. Add them by calling 'services.AddGrpc()' before mapping gRPC services.");
        var options = services.GetRequiredService<IOptions<GrpcServiceOptions>>().Value;
        ServerMethodInfo.ValidateCompression(options);
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Montage.Grpc.Server");
        var stopping = services.GetService<IHostApplicationLifetime>()?.ApplicationStopping ?? CancellationToken.None;
        var activator = new ServiceActivator<TService>(services);

        // Check every method before mapping anything, so a wrong signature fails startup without half a service mapped.
        var bound = descriptor.Methods.Select(m => (Descriptor: m, Handler: FindHandler(typeof(TService), m))).ToList();
        registry.Add(descriptor);

        var builders = new List<IEndpointConventionBuilder>();
        foreach (var (method, handler) in bound)
        {
            var info = new ServerMethodInfo(KindOf(method), descriptor.FullName, method.Name, options, logger, stopping);
            RequestDelegate requestDelegate;
            if (handler is null)
            {
                requestDelegate = UnimplementedHandlers.ForUnboundMethod(logger, descriptor.FullName, method.Name);
            }
            else
            {
                var create = CreateMethodEndpointInfo.MakeGenericMethod(typeof(TService), method.InputType.ClrType, method.OutputType.ClrType);
                requestDelegate = (RequestDelegate)create.Invoke(null, [info, method, activator, handler])!;
            }

            var builder = endpoints.MapPost(info.FullName, requestDelegate)
                .WithDisplayName("gRPC - " + info.FullName)
                .WithMetadata(new GrpcMethodMetadata(typeof(TService), method));
            builders.Add(builder);
        }

        builders.Add(MapUnknownMethods(endpoints, descriptor.FullName, logger));
        if (!options.IgnoreUnknownServices && registry.TryClaimUnknownServiceRoute())
        {
            builders.Add(MapUnknownServices(endpoints, logger));
        }

        return new GrpcServiceEndpointConventionBuilder(builders);
    }

    private static RequestDelegate CreateMethodEndpoint<TService, TRequest, TResponse>(
        ServerMethodInfo info, MethodDescriptor method, ServiceActivator<TService> activator, MethodInfo handler)
        where TService : class
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        Delegate invoker = info.Type switch
        {
            MethodType.Unary => handler.CreateDelegate<UnaryServerMethod<TService, TRequest, TResponse>>(),
            MethodType.ServerStreaming => handler.CreateDelegate<ServerStreamingServerMethod<TService, TRequest, TResponse>>(),
            MethodType.ClientStreaming => handler.CreateDelegate<ClientStreamingServerMethod<TService, TRequest, TResponse>>(),
            _ => handler.CreateDelegate<DuplexStreamingServerMethod<TService, TRequest, TResponse>>(),
        };
        var parser = (MessageParser<TRequest>)method.InputType.Parser;
        return new ServerCallHandler<TService, TRequest, TResponse>(info, parser, activator, invoker).HandleCallAsync;
    }

    /// <summary>The public method implementing the RPC, null when the class has none of that name.</summary>
    private static MethodInfo? FindHandler(Type serviceType, MethodDescriptor method)
    {
        var request = method.InputType.ClrType ?? throw new InvalidOperationException($"{method.FullName}: the request type has no generated C# class.");
        var response = method.OutputType.ClrType ?? throw new InvalidOperationException($"{method.FullName}: the response type has no generated C# class.");
        var candidates = serviceType.GetMethods(BindingFlags.Public | BindingFlags.Instance).Where(m => m.Name == method.Name).ToList();
        if (candidates.Count == 0)
        {
            return null;
        }

        var (parameters, returnType, shape) = KindOf(method) switch
        {
            MethodType.Unary => (
                new[] { request, typeof(ServerCallContext) },
                typeof(Task<>).MakeGenericType(response),
                $"Task<{response.Name}> {method.Name}({request.Name} request, ServerCallContext context)"),
            MethodType.ServerStreaming => (
                new[] { request, typeof(IServerStreamWriter<>).MakeGenericType(response), typeof(ServerCallContext) },
                typeof(Task),
                $"Task {method.Name}({request.Name} request, IServerStreamWriter<{response.Name}> responseStream, ServerCallContext context)"),
            MethodType.ClientStreaming => (
                new[] { typeof(IAsyncStreamReader<>).MakeGenericType(request), typeof(ServerCallContext) },
                typeof(Task<>).MakeGenericType(response),
                $"Task<{response.Name}> {method.Name}(IAsyncStreamReader<{request.Name}> requestStream, ServerCallContext context)"),
            _ => (
                new[] { typeof(IAsyncStreamReader<>).MakeGenericType(request), typeof(IServerStreamWriter<>).MakeGenericType(response), typeof(ServerCallContext) },
                typeof(Task),
                $"Task {method.Name}(IAsyncStreamReader<{request.Name}> requestStream, IServerStreamWriter<{response.Name}> responseStream, ServerCallContext context)"),
        };

        var match = candidates.FirstOrDefault(m =>
            m.ReturnType == returnType && !m.IsGenericMethodDefinition && m.GetParameters().Select(p => p.ParameterType).SequenceEqual(parameters));
        if (match is null)
        {
            var found = string.Join("; ", candidates.Select(m => m.ToString()));
            throw new InvalidOperationException(
                $"{serviceType.Name}.{method.Name} does not match the RPC {method.FullName}. Expected: public {shape}. Found: {found}.");
        }

        return match;
    }

    private static MethodType KindOf(MethodDescriptor method) => (method.IsClientStreaming, method.IsServerStreaming) switch
    {
        (false, false) => MethodType.Unary,
        (true, false) => MethodType.ClientStreaming,
        (false, true) => MethodType.ServerStreaming,
        (true, true) => MethodType.DuplexStreaming,
    };

    private static IEndpointConventionBuilder MapUnknownMethods(IEndpointRouteBuilder endpoints, string service, ILogger logger)
    {
        var pattern = RoutePatternFactory.Parse(
            "/" + service + "/{" + UnimplementedHandlers.MethodParameter + "}",
            defaults: null,
            parameterPolicies: new RouteValueDictionary { [UnimplementedHandlers.MethodParameter] = new GrpcContentTypeConstraint() });
        return endpoints.Map(pattern, UnimplementedHandlers.ForUnknownMethod(logger, service))
            .WithDisplayName("gRPC - unimplemented method of " + service)
            .WithMetadata(new HttpMethodMetadata(["POST"]));
    }

    private static IEndpointConventionBuilder MapUnknownServices(IEndpointRouteBuilder endpoints, ILogger logger)
    {
        var pattern = RoutePatternFactory.Parse(
            "/{" + UnimplementedHandlers.ServiceParameter + "}/{" + UnimplementedHandlers.MethodParameter + "}",
            defaults: null,
            parameterPolicies: new RouteValueDictionary { [UnimplementedHandlers.MethodParameter] = new GrpcContentTypeConstraint() });
        return endpoints.Map(pattern, UnimplementedHandlers.ForUnknownService(logger))
            .WithDisplayName("gRPC - unimplemented service")
            .WithMetadata(new HttpMethodMetadata(["POST"]));
    }
}
