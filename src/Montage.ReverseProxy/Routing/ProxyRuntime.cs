using Microsoft.Extensions.DependencyInjection;
using Montage.ReverseProxy.Configuration;
using Montage.ServiceDefaults.ServiceDiscovery;

namespace Montage.ReverseProxy.Routing;

/// <summary>The validated configuration and one <see cref="ClusterState"/> per cluster, for the app's lifetime.</summary>
internal sealed class ProxyRuntime(IProxyConfigProvider provider, IForwarderHttpClientFactory clientFactory, IServiceProvider services) : IDisposable
{
    private readonly Lock _lock = new();
    private Dictionary<string, ClusterState>? _clusters;
    private IProxyConfig? _config;

    public IProxyConfig Config
    {
        get
        {
            Load();
            return _config!;
        }
    }

    public ClusterState Cluster(string clusterId)
    {
        Load();
        return _clusters![clusterId];
    }

    public void Dispose()
    {
        foreach (var cluster in _clusters?.Values ?? Enumerable.Empty<ClusterState>())
        {
            cluster.Dispose();
        }
    }

    private void Load()
    {
        lock (_lock)
        {
            if (_clusters is not null)
            {
                return;
            }

            var config = provider.GetConfig();
            ProxyConfigValidator.Validate(config);
            var resolver = services.GetService<IServiceEndpointResolver>();
            _clusters = config.Clusters.ToDictionary(
                c => c.ClusterId,
                c => new ClusterState(c, clientFactory.CreateClient(c.ClusterId), resolver),
                StringComparer.OrdinalIgnoreCase);
            _config = config;
        }
    }
}
