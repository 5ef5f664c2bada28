using Montage.ReverseProxy.Configuration;
using Montage.ServiceDefaults.ServiceDiscovery;

namespace Montage.ReverseProxy.Routing;

/// <summary>
/// A cluster at run time: its connection pool and its destinations, taken in turn. Logical addresses
/// (<c>http://_grpc.jobs</c>) are resolved on every request, so a service that moved is found again.
/// </summary>
internal sealed class ClusterState : IDisposable
{
    private readonly Uri[] _destinations;
    private readonly IServiceEndpointResolver? _resolver;
    private int _next = -1;

    public ClusterState(ClusterConfig config, HttpMessageInvoker client, IServiceEndpointResolver? resolver)
    {
        Config = config;
        Client = client;
        _resolver = resolver;
        _destinations = [.. config.Destinations!.Values.Select(d => new Uri(d.Address, UriKind.Absolute))];
        RequestConfig = config.HttpRequest ?? new ForwarderRequestConfig();
    }

    public ClusterConfig Config { get; }

    public HttpMessageInvoker Client { get; }

    public ForwarderRequestConfig RequestConfig { get; }

    /// <summary>The next destination's prefix; throws <see cref="InvalidOperationException"/> when it cannot be resolved.</summary>
    public string NextDestinationPrefix()
    {
        var destination = _destinations.Length == 1 ? _destinations[0] : _destinations[(int)((uint)Interlocked.Increment(ref _next) % (uint)_destinations.Length)];
        var resolved = _resolver is null ? destination : _resolver.Resolve(destination);
        return resolved.GetLeftPart(UriPartial.Path);
    }

    public void Dispose() => Client.Dispose();
}
