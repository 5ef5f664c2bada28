using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Montage.ReverseProxy.Configuration;

/// <summary>
/// Reads YARP's configuration shape:
/// <code>
/// "ReverseProxy": {
///   "Routes":   { "jobs": { "ClusterId": "jobs", "Order": 10, "AuthorizationPolicy": "default",
///                           "Match": { "Path": "/montage.jobs.v1.JobTracker/{**catch-all}" } } },
///   "Clusters": { "jobs": { "HttpRequest": { "Version": "2", "VersionPolicy": "RequestVersionExact" },
///                           "Destinations": { "d1": { "Address": "http://_grpc.jobs" } } } }
/// }
/// </code>
/// The section is read once, when the proxy's endpoints are mapped.
/// </summary>
public sealed class ConfigurationConfigProvider(IConfiguration section) : IProxyConfigProvider
{
    private IProxyConfig? _config;

    public IProxyConfig GetConfig() => _config ??= Read(section);

    private static InMemoryConfigProvider Read(IConfiguration section)
    {
        var routes = section.GetSection("Routes").GetChildren().Select(ReadRoute).ToList();
        var clusters = section.GetSection("Clusters").GetChildren().Select(ReadCluster).ToList();
        return new InMemoryConfigProvider(routes, clusters);
    }

    private static RouteConfig ReadRoute(IConfigurationSection route) => new()
    {
        RouteId = route.Key,
        ClusterId = route["ClusterId"],
        AuthorizationPolicy = route["AuthorizationPolicy"],
        Order = route["Order"] is { Length: > 0 } order ? ParseInt(order, route.GetSection("Order").Path) : null,
        Match = new RouteMatch
        {
            Path = route["Match:Path"],
            Methods = Strings(route.GetSection("Match:Methods")),
            Hosts = Strings(route.GetSection("Match:Hosts")),
        },
    };

    private static ClusterConfig ReadCluster(IConfigurationSection cluster) => new()
    {
        ClusterId = cluster.Key,
        Destinations = cluster.GetSection("Destinations").GetChildren()
            .ToDictionary(d => d.Key, d => new DestinationConfig { Address = d["Address"] ?? "" }, StringComparer.OrdinalIgnoreCase),
        HttpRequest = cluster.GetSection("HttpRequest").Exists() ? ReadRequest(cluster.GetSection("HttpRequest")) : null,
    };

    private static ForwarderRequestConfig ReadRequest(IConfigurationSection request) => new()
    {
        Version = request["Version"] is { Length: > 0 } version ? ParseVersion(version, request.GetSection("Version").Path) : null,
        VersionPolicy = request["VersionPolicy"] is { Length: > 0 } policy ? ParseEnum<HttpVersionPolicy>(policy, request.GetSection("VersionPolicy").Path) : null,
        ActivityTimeout = request["ActivityTimeout"] is { Length: > 0 } timeout ? ParseTimeSpan(timeout, request.GetSection("ActivityTimeout").Path) : null,
    };

    private static List<string>? Strings(IConfigurationSection section)
    {
        var values = section.GetChildren().Select(c => c.Value).OfType<string>().ToList();
        return values.Count == 0 ? null : values;
    }

    private static int ParseInt(string value, string path) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed : throw Invalid(path, value, "an integer");

    // YARP accepts "2" as well as "2.0".
    private static Version ParseVersion(string value, string path) =>
        Version.TryParse(value.Contains('.', StringComparison.Ordinal) ? value : value + ".0", out var parsed) ? parsed : throw Invalid(path, value, "an HTTP version such as 2 or 1.1");

    private static TEnum ParseEnum<TEnum>(string value, string path)
        where TEnum : struct, Enum =>
        Enum.TryParse<TEnum>(value, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) ? parsed : throw Invalid(path, value, string.Join(", ", Enum.GetNames<TEnum>()));

    private static TimeSpan ParseTimeSpan(string value, string path) =>
        TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var parsed) && parsed > TimeSpan.Zero ? parsed : throw Invalid(path, value, "a positive time span such as 00:01:40");

    private static InvalidOperationException Invalid(string path, string value, string expected) =>
        new($"Configuration key '{path}' holds '{value}'; expected {expected}.");
}
