using Google.Protobuf.Reflection;

namespace Montage.Grpc.Server;

/// <summary>The services mapped onto this server, in mapping order; health and reflection read it.</summary>
public sealed class GrpcServiceRegistry
{
    private readonly List<ServiceDescriptor> _services = [];
    private readonly Lock _lock = new();

    public IReadOnlyList<ServiceDescriptor> Services
    {
        get
        {
            lock (_lock)
            {
                return _services.ToArray();
            }
        }
    }

    private bool _unknownServiceRouteMapped;

    /// <summary>True for the first caller only: the catch-all route for unknown services is mapped once.</summary>
    internal bool TryClaimUnknownServiceRoute()
    {
        lock (_lock)
        {
            var first = !_unknownServiceRouteMapped;
            _unknownServiceRouteMapped = true;
            return first;
        }
    }

    internal void Add(ServiceDescriptor service)
    {
        lock (_lock)
        {
            if (_services.Exists(s => s.FullName == service.FullName))
            {
                throw new InvalidOperationException($"The gRPC service '{service.FullName}' is mapped twice.");
            }

            _services.Add(service);
        }
    }
}
