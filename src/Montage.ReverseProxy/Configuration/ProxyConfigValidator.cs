namespace Montage.ReverseProxy.Configuration;

/// <summary>Refuses a configuration that could only fail at request time, naming what to fix.</summary>
internal static class ProxyConfigValidator
{
    public static void Validate(IProxyConfig config)
    {
        var errors = new List<string>();
        var clusters = new Dictionary<string, ClusterConfig>(StringComparer.OrdinalIgnoreCase);
        foreach (var cluster in config.Clusters)
        {
            if (string.IsNullOrWhiteSpace(cluster.ClusterId))
            {
                errors.Add("A cluster has no id.");
                continue;
            }

            if (!clusters.TryAdd(cluster.ClusterId, cluster))
            {
                errors.Add($"Cluster '{cluster.ClusterId}' is defined twice.");
            }

            if (cluster.Destinations is not { Count: > 0 })
            {
                errors.Add($"Cluster '{cluster.ClusterId}' has no destinations.");
                continue;
            }

            foreach (var (name, destination) in cluster.Destinations)
            {
                if (!Uri.TryCreate(destination.Address, UriKind.Absolute, out var address) || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
                {
                    errors.Add($"Destination '{name}' of cluster '{cluster.ClusterId}' has address '{destination.Address}'; expected an absolute http(s) URL.");
                }
            }
        }

        var routeIds = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var route in config.Routes)
        {
            if (string.IsNullOrWhiteSpace(route.RouteId) || !routeIds.Add(route.RouteId))
            {
                errors.Add($"Route id '{route.RouteId}' is empty or used twice.");
            }

            if (string.IsNullOrWhiteSpace(route.Match.Path))
            {
                errors.Add($"Route '{route.RouteId}' has no Match.Path.");
            }

            if (route.ClusterId is null || !clusters.ContainsKey(route.ClusterId))
            {
                errors.Add($"Route '{route.RouteId}' refers to cluster '{route.ClusterId}', which is not defined.");
            }
        }

        if (errors.Count > 0)
        {
            throw new InvalidOperationException("The reverse proxy configuration is invalid: " + string.Join(" ", errors));
        }
    }
}
