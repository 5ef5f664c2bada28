namespace Montage.ServiceDefaults.ServiceDiscovery;

/// <summary>
/// Turns a logical service address into a concrete one, with the conventions of
/// Microsoft.Extensions.ServiceDiscovery:
/// <list type="bullet">
/// <item><c>http://jobs</c>: the endpoint named after the scheme (<c>services:jobs:http:0</c>), else the first one configured;</item>
/// <item><c>https+http://jobs</c>: https if configured, else http;</item>
/// <item><c>http://_grpc.jobs</c>: the named endpoint <c>services:jobs:grpc:0</c>.</item>
/// </list>
/// With several replicas (<c>:0</c>, <c>:1</c>, ...) successive calls take them in turn.
/// Addresses that are not logical names (IP addresses, <c>localhost</c>, dotted host names,
/// any host with an explicit port) pass through.
/// </summary>
public interface IServiceEndpointResolver
{
    /// <summary>The concrete address; path, query and fragment are kept.</summary>
    /// <exception cref="InvalidOperationException">No endpoint is configured; the message names the key.</exception>
    Uri Resolve(Uri uri);
}
