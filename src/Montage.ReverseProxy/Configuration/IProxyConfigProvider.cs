namespace Montage.ReverseProxy.Configuration;

/// <summary>Where the routes and clusters come from (configuration or memory), as YARP's provider of the same name.</summary>
public interface IProxyConfigProvider
{
    /// <summary>The current routes and clusters.</summary>
    IProxyConfig GetConfig();
}

/// <summary>A snapshot of routes and clusters.</summary>
public interface IProxyConfig
{
    IReadOnlyList<RouteConfig> Routes { get; }

    IReadOnlyList<ClusterConfig> Clusters { get; }
}

/// <summary>Routes and clusters given in code.</summary>
public sealed class InMemoryConfigProvider(IReadOnlyList<RouteConfig> routes, IReadOnlyList<ClusterConfig> clusters) : IProxyConfigProvider, IProxyConfig
{
    public IReadOnlyList<RouteConfig> Routes { get; } = routes ?? throw new ArgumentNullException(nameof(routes));

    public IReadOnlyList<ClusterConfig> Clusters { get; } = clusters ?? throw new ArgumentNullException(nameof(clusters));

    public IProxyConfig GetConfig() => this;
}
