using Montage.Hosting.ApplicationModel;

namespace Montage.Hosting.Orchestration;

/// <summary>Values of a local run: loopback, the ports allocated at start, real passwords, every replica.</summary>
internal sealed class RunValueContext : ValueContext
{
    private readonly Dictionary<(IResource, string, int), int> _ports = [];
    private readonly Dictionary<IResource, string> _passwords = [];

    public override bool IsPublish => false;

    public override string Host(IResource resource) => "127.0.0.1";

    public override int Port(IResource resource, string endpointName, int replica) =>
        _ports.TryGetValue((resource, endpointName, replica), out var port)
            ? port
            : throw new InvalidOperationException($"No port allocated for {resource.Name}/{endpointName}/{replica}.");

    public override int AdvertisedReplicas(IResource resource) => Replicas(resource);

    public override string Password(IResource resource) =>
        _passwords.TryGetValue(resource, out var password)
            ? password
            : throw new InvalidOperationException($"Resource '{resource.Name}' has no password.");

    public static int Replicas(IResource resource) =>
        resource.Annotations.OfType<ReplicaAnnotation>().LastOrDefault()?.Replicas ?? 1;

    public void AllocatePorts(IEnumerable<IResource> resources, PortAllocator allocator)
    {
        foreach (var resource in resources)
        {
            for (var replica = 0; replica < Replicas(resource); replica++)
            {
                foreach (var endpoint in resource.Annotations.OfType<EndpointAnnotation>())
                {
                    // A fixed port can serve one replica only; the others take free ports (no proxy in front).
                    _ports[(resource, endpoint.Name, replica)] = allocator.Allocate(replica == 0 ? endpoint.Port : null);
                }
            }
        }
    }

    public void SetPassword(IResource resource, string password) => _passwords[resource] = password;
}
