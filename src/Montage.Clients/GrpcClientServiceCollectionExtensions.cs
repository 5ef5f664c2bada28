using Microsoft.Extensions.DependencyInjection.Extensions;
using Montage.Clients;
using Montage.Grpc.Client;
using Montage.ServiceDefaults.ServiceDiscovery;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers typed clients whose channel reaches a service by its logical name (<c>http://_grpc.jobs</c> resolves
/// <c>services__jobs__grpc__0</c>, taking replicas in turn), as the AppHost's <c>WithReference</c> provides.
/// </summary>
public static class GrpcClientServiceCollectionExtensions
{
    /// <summary>The JobTracker client, for the service named <paramref name="serviceName"/>.</summary>
    public static IServiceCollection AddJobTrackerClient(this IServiceCollection services, string serviceName = "jobs") =>
        services.AddTypedGrpcClient(serviceName, invoker => new JobTrackerClient(invoker));

    /// <summary>The AssetStore client, for the service named <paramref name="serviceName"/>.</summary>
    public static IServiceCollection AddAssetStoreClient(this IServiceCollection services, string serviceName = "assets") =>
        services.AddTypedGrpcClient(serviceName, invoker => new AssetStoreClient(invoker));

    /// <summary>
    /// A singleton <typeparamref name="TClient"/> over one channel to <paramref name="serviceName"/>'s grpc endpoint.
    /// The channel is shared by every call (HTTP/2 multiplexing) and disposed with the container.
    /// </summary>
    public static IServiceCollection AddTypedGrpcClient<TClient>(this IServiceCollection services, string serviceName, Func<CallInvoker, TClient> create)
        where TClient : class
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceName);
        ArgumentNullException.ThrowIfNull(create);
        services.AddServiceDiscovery();
        services.TryAddSingleton(provider =>
        {
            var resolver = provider.GetRequiredService<IServiceEndpointResolver>();
            var channel = GrpcChannel.ForAddress(new Uri($"http://_grpc.{serviceName}"), new GrpcChannelOptions { AddressResolver = resolver.Resolve });
            return new ClientChannel<TClient>(channel, create(channel.CreateCallInvoker()));
        });
        services.TryAddSingleton(provider => provider.GetRequiredService<ClientChannel<TClient>>().Client);
        return services;
    }

    // Keeps the channel with its client, so the container disposes the channel when it disposes this holder.
    private sealed class ClientChannel<TClient>(GrpcChannel channel, TClient client) : IDisposable
    {
        public TClient Client { get; } = client;

        public void Dispose() => channel.Dispose();
    }
}
