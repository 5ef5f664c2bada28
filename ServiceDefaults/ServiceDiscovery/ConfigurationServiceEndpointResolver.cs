using System.Net;
using Microsoft.Extensions.Configuration;

namespace Montage.ServiceDefaults.ServiceDiscovery;

/// <summary>
/// Resolves from configuration (<c>services__jobs__grpc__0=http://localhost:5123</c> in the
/// environment), read on every call so reloaded configuration is honoured.
/// </summary>
public sealed class ConfigurationServiceEndpointResolver(IConfiguration configuration) : IServiceEndpointResolver
{
    private const string SchemeSeparator = "+";

    private int _nextReplica = -1;

    public Uri Resolve(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (!uri.IsAbsoluteUri)
        {
            throw new ArgumentException($"Only absolute URIs can be resolved, got '{uri}'.", nameof(uri));
        }

        var schemes = uri.Scheme.Split(SchemeSeparator, StringSplitOptions.RemoveEmptyEntries);
        var host = uri.IdnHost;

        if (IsConcreteHost(host) || !uri.IsDefaultPort)
        {
            return schemes.Length == 1 ? uri : WithBase(uri, new UriBuilder(uri) { Scheme = schemes[0] }.Uri);
        }

        var (serviceName, endpointName) = SplitHost(host);
        var services = configuration.GetSection("services").GetSection(serviceName);

        if (endpointName is not null)
        {
            var (value, key) = PickReplica(services.GetSection(endpointName));
            return value is null
                ? throw Missing(uri, $"services:{serviceName}:{endpointName}:0")
                : WithBase(uri, ParseEndpoint(value, schemes[0], key));
        }

        // The scheme names the endpoint ("https+http": https preferred, then http).
        foreach (var scheme in schemes)
        {
            var (value, key) = PickReplica(services.GetSection(scheme));
            if (value is not null)
            {
                return WithBase(uri, ParseEndpoint(value, scheme, key));
            }
        }

        // Else the first endpoint of the service, whatever its name, as long as its scheme is one we accept.
        foreach (var endpoint in services.GetChildren())
        {
            var (value, key) = PickReplica(endpoint);
            if (value is null)
            {
                continue;
            }

            var resolved = ParseEndpoint(value, schemes[0], key);
            if (schemes.Contains(resolved.Scheme, StringComparer.OrdinalIgnoreCase))
            {
                return WithBase(uri, resolved);
            }
        }

        throw Missing(uri, $"services:{serviceName}:{schemes[0]}:0");
    }

    /// <summary>
    /// With replicas the AppHost writes <c>services:jobs:grpc:0</c>, <c>:1</c>, ...; calls take
    /// them in turn. With one replica this is always index 0.
    /// </summary>
    private (string? Value, string Key) PickReplica(IConfigurationSection endpoint)
    {
        var replicas = endpoint.GetChildren()
            .Where(replica => replica.Value is not null && int.TryParse(replica.Key, out _))
            .OrderBy(replica => int.Parse(replica.Key, System.Globalization.CultureInfo.InvariantCulture))
            .ToList();
        if (replicas.Count == 0)
        {
            return (null, endpoint.Path);
        }

        var chosen = replicas.Count == 1 ? replicas[0] : replicas[(int)((uint)Interlocked.Increment(ref _nextReplica) % (uint)replicas.Count)];
        return (chosen.Value, chosen.Path);
    }

    /// <summary>
    /// IP literals, localhost and dotted DNS names are real addresses, not service names; so is
    /// any host given with an explicit port (a logical name never carries one, a compose or
    /// Kubernetes DNS name often does).
    /// </summary>
    private static bool IsConcreteHost(string host) =>
        IPAddress.TryParse(host, out _)
        || string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (host.Contains('.', StringComparison.Ordinal) && !host.StartsWith('_'));

    private static (string Service, string? Endpoint) SplitHost(string host)
    {
        if (!host.StartsWith('_'))
        {
            return (host, null);
        }

        var dot = host.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 1 || dot == host.Length - 1)
        {
            throw new InvalidOperationException($"'{host}' is not a valid service address; expected '_<endpoint>.<service>', e.g. '_grpc.jobs'.");
        }

        return (host[(dot + 1)..], host[1..dot]);
    }

    private static Uri ParseEndpoint(string value, string defaultScheme, string key)
    {
        var text = value.Trim();
        if (!text.Contains("://", StringComparison.Ordinal))
        {
            text = $"{defaultScheme}://{text}";
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var endpoint))
        {
            throw new InvalidOperationException($"Configuration key '{key}' holds '{value}', which is not a valid endpoint URL.");
        }

        return endpoint;
    }

    /// <summary>Scheme, host and port from the endpoint; path, query and fragment from the request.</summary>
    private static Uri WithBase(Uri request, Uri endpoint) => new UriBuilder(request)
    {
        Scheme = endpoint.Scheme,
        Host = endpoint.Host,
        Port = endpoint.Port,
    }.Uri;

    private static InvalidOperationException Missing(Uri uri, string key) => new(
        $"No endpoint is configured for '{uri.GetLeftPart(UriPartial.Authority)}': set configuration key '{key}' " +
        $"(environment variable '{key.Replace(":", "__", StringComparison.Ordinal)}').");
}
