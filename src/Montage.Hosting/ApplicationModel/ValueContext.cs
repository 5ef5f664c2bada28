namespace Montage.Hosting.ApplicationModel;

/// <summary>
/// Resolves addresses and secrets for one execution: the local run (loopback, allocated ports, real
/// passwords) or a publish target (service host names, container ports, secret placeholders).
/// The same model therefore wires both a local run and the published manifests.
/// </summary>
public abstract class ValueContext
{
    public abstract bool IsPublish { get; }

    public abstract string Host(IResource resource);

    public abstract int Port(IResource resource, string endpointName, int replica);

    /// <summary>Addresses advertised for the resource: every replica locally, one load-balanced service when published.</summary>
    public abstract int AdvertisedReplicas(IResource resource);

    public abstract string Password(IResource resource);

    public string Url(IResource resource, string endpointName, int replica)
    {
        var endpoint = resource.Annotations.OfType<EndpointAnnotation>().FirstOrDefault(e => e.Name == endpointName)
            ?? throw new InvalidOperationException($"Resource '{resource.Name}' has no endpoint '{endpointName}'.");
        return $"{endpoint.UriScheme}://{Host(resource)}:{Port(resource, endpointName, replica)}";
    }
}

public sealed class EnvironmentCallbackContext(IResource resource, int replica, ValueContext values, IDictionary<string, string> environment)
{
    public IResource Resource { get; } = resource;

    public int Replica { get; } = replica;

    public ValueContext Values { get; } = values;

    public IDictionary<string, string> Environment { get; } = environment;
}
