using System.Collections;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Montage.Grpc.Health;

/// <summary>How grpc.health.v1 answers from ASP.NET Core health checks (<c>services.AddGrpcHealthChecks(o =&gt; ...)</c>).</summary>
public sealed class GrpcHealthChecksOptions
{
    /// <summary>
    /// Explicit service names and the health-check results that decide them. Without an entry, "" (the whole
    /// server) and every mapped gRPC service are decided by all registered checks.
    /// </summary>
    public ServiceMappingCollection Services { get; } = new();

    /// <summary>How often a Watch call re-evaluates the checks. Default 1 second.</summary>
    public TimeSpan WatchInterval { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>One health-check result, offered to a service mapping's predicate.</summary>
public sealed record HealthResult(
    string Name,
    IEnumerable<string> Tags,
    HealthStatus Status,
    string? Description,
    TimeSpan Duration,
    Exception? Exception,
    IReadOnlyDictionary<string, object> Data);

/// <summary>A health service name and the check results that decide its status.</summary>
public sealed record ServiceMapping(string Name, Func<HealthResult, bool> Predicate);

public sealed class ServiceMappingCollection : IEnumerable<ServiceMapping>
{
    private readonly Dictionary<string, ServiceMapping> _mappings = new(StringComparer.Ordinal);

    /// <summary>Decides <paramref name="name"/> by the results <paramref name="predicate"/> selects, e.g. <c>r =&gt; r.Tags.Contains("db")</c>.</summary>
    public void Map(string name, Func<HealthResult, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(predicate);
        _mappings[name] = new ServiceMapping(name, predicate);
    }

    public bool Remove(string name) => _mappings.Remove(name);

    public bool TryGet(string name, out ServiceMapping mapping) => _mappings.TryGetValue(name, out mapping!);

    public IEnumerator<ServiceMapping> GetEnumerator() => _mappings.Values.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
