using Montage.Hosting.ApplicationModel;

namespace Montage.Hosting;

/// <summary>Wiring between resources, with Aspire's names and meanings.</summary>
public static class ResourceBuilderExtensions
{
    public static IResourceBuilder<T> WithEnvironment<T>(this IResourceBuilder<T> builder, string name, string? value)
        where T : IResourceWithEnvironment
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return builder.WithEnvironment(context => context.Environment[name] = value ?? string.Empty);
    }

    public static IResourceBuilder<T> WithEnvironment<T>(this IResourceBuilder<T> builder, Action<EnvironmentCallbackContext> callback)
        where T : IResourceWithEnvironment
    {
        builder.Resource.Annotations.Add(new EnvironmentCallbackAnnotation(callback));
        return builder;
    }

    /// <summary>Injects <c>ConnectionStrings__&lt;name&gt;</c>.</summary>
    public static IResourceBuilder<T> WithReference<T>(
        this IResourceBuilder<T> builder, IResourceBuilder<IResourceWithConnectionString> source, string? connectionName = null)
        where T : IResourceWithEnvironment
    {
        var resource = source.Resource;
        var key = $"ConnectionStrings__{connectionName ?? resource.Name}";
        builder.Resource.Annotations.Add(new ResourceReferenceAnnotation(resource));
        return builder.WithEnvironment(context => context.Environment[key] = resource.GetConnectionString(context.Values));
    }

    /// <summary>
    /// Injects <c>services__&lt;name&gt;__&lt;endpoint&gt;__&lt;i&gt;</c> for every endpoint of the source. With replicas, index i
    /// is replica i: .NET service discovery balances over the list, and a client that reads only <c>__0</c> reaches the
    /// first replica. (Aspire puts a proxy in front instead; we run no proxy.)
    /// </summary>
    public static IResourceBuilder<T> WithReference<T>(this IResourceBuilder<T> builder, IResourceBuilder<IResourceWithServiceDiscovery> source)
        where T : IResourceWithEnvironment
    {
        var resource = source.Resource;
        builder.Resource.Annotations.Add(new ResourceReferenceAnnotation(resource));
        return builder.WithEnvironment(context =>
        {
            foreach (var endpoint in resource.Annotations.OfType<EndpointAnnotation>())
            {
                for (var replica = 0; replica < context.Values.AdvertisedReplicas(resource); replica++)
                {
                    context.Environment[$"services__{resource.Name}__{endpoint.Name}__{replica}"] =
                        context.Values.Url(resource, endpoint.Name, replica);
                }
            }
        });
    }

    /// <summary>Starts the resource only once <paramref name="dependency"/> is healthy.</summary>
    public static IResourceBuilder<T> WaitFor<T>(this IResourceBuilder<T> builder, IResourceBuilder<IResource> dependency)
        where T : IResourceWithWaitSupport
    {
        if (ReferenceEquals(builder.Resource, dependency.Resource))
        {
            throw new InvalidOperationException($"Resource '{builder.Resource.Name}' cannot wait for itself.");
        }

        builder.Resource.Annotations.Add(new WaitAnnotation(dependency.Resource));
        return builder;
    }

    public static IResourceBuilder<T> WithReplicas<T>(this IResourceBuilder<T> builder, int replicas)
        where T : IResourceWithServiceDiscovery
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(replicas, 1);
        foreach (var existing in builder.Resource.Annotations.OfType<ReplicaAnnotation>().ToList())
        {
            builder.Resource.Annotations.Remove(existing);
        }

        builder.Resource.Annotations.Add(new ReplicaAnnotation(replicas));
        return builder;
    }

    /// <summary>An HTTP/1.1 endpoint. <paramref name="env"/> names a variable that receives the port.</summary>
    public static IResourceBuilder<T> WithHttpEndpoint<T>(
        this IResourceBuilder<T> builder, int? port = null, int? targetPort = null, string? name = null, string? env = null)
        where T : IResourceWithEndpoints =>
        builder.WithEndpoint(name ?? "http", EndpointProtocol.Http1, port, targetPort, env);

    /// <summary>A cleartext HTTP/2 endpoint (h2c), for gRPC.</summary>
    public static IResourceBuilder<T> WithHttp2Endpoint<T>(
        this IResourceBuilder<T> builder, int? port = null, int? targetPort = null, string? name = null, string? env = null)
        where T : IResourceWithEndpoints =>
        builder.WithEndpoint(name ?? "grpc", EndpointProtocol.Http2, port, targetPort, env);

    public static IResourceBuilder<T> WithEndpoint<T>(
        this IResourceBuilder<T> builder, string name, EndpointProtocol protocol, int? port = null, int? targetPort = null, string? env = null)
        where T : IResourceWithEndpoints
    {
        ResourceNames.Validate(name);
        var existing = builder.Resource.Annotations.OfType<EndpointAnnotation>().FirstOrDefault(e => e.Name == name);
        if (existing is null)
        {
            var defaultTarget = 8080 + builder.Resource.Annotations.OfType<EndpointAnnotation>().Count();
            builder.Resource.Annotations.Add(new EndpointAnnotation(name, protocol, port, targetPort ?? defaultTarget)
            {
                PortEnvironmentVariable = env,
            });
            return builder;
        }

        existing.Protocol = protocol;
        existing.Port = port ?? existing.Port;
        existing.TargetPort = targetPort ?? existing.TargetPort;
        existing.PortEnvironmentVariable = env ?? existing.PortEnvironmentVariable;
        return builder;
    }

    /// <summary>Binds the HTTP endpoints on every interface instead of loopback.</summary>
    public static IResourceBuilder<T> WithExternalHttpEndpoints<T>(this IResourceBuilder<T> builder)
        where T : IResourceWithEndpoints
    {
        foreach (var endpoint in builder.Resource.Annotations.OfType<EndpointAnnotation>().Where(e => e.Protocol != EndpointProtocol.Tcp))
        {
            endpoint.IsExternal = true;
        }

        return builder;
    }

    /// <summary>Healthy means <c>GET path</c> on the endpoint answers 2xx.</summary>
    public static IResourceBuilder<T> WithHttpHealthCheck<T>(this IResourceBuilder<T> builder, string path = "/health", string endpointName = "http")
        where T : IResourceWithEndpoints
    {
        if (!builder.Resource.Annotations.OfType<EndpointAnnotation>().Any(e => e.Name == endpointName))
        {
            throw new InvalidOperationException($"Resource '{builder.Resource.Name}' has no endpoint '{endpointName}' to health-check.");
        }

        builder.Resource.Annotations.Add(new HttpHealthCheckAnnotation(path.StartsWith('/') ? path : "/" + path, endpointName));
        return builder;
    }

    public static IResourceBuilder<T> WithArgs<T>(this IResourceBuilder<T> builder, params string[] args)
        where T : IProcessResource
    {
        builder.Resource.Annotations.Add(new CommandLineArgsAnnotation(_ => args));
        return builder;
    }

    public static IResourceBuilder<T> WithArgs<T>(this IResourceBuilder<T> builder, Func<ValueContext, IEnumerable<string>> args)
        where T : IProcessResource
    {
        builder.Resource.Annotations.Add(new CommandLineArgsAnnotation(args));
        return builder;
    }

    /// <summary>Declares a command the resource needs; its absence stops the AppHost with one line naming the package.</summary>
    public static IResourceBuilder<T> WithRequiredCommand<T>(this IResourceBuilder<T> builder, string command, string debianPackage)
        where T : IResource
    {
        builder.Resource.Annotations.Add(new RequiredCommandAnnotation(command, debianPackage));
        return builder;
    }
}
