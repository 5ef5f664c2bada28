namespace Montage.Hosting.ApplicationModel;

public enum EndpointProtocol
{
    /// <summary>Plain TCP (Postgres, Redis).</summary>
    Tcp,

    /// <summary>HTTP/1.1: health, REST.</summary>
    Http1,

    /// <summary>HTTP/2 without TLS (h2c, prior knowledge): gRPC.</summary>
    Http2,
}

/// <summary>A named listening endpoint. <see cref="Port"/> is the host port (null: a free one at run time).</summary>
public sealed class EndpointAnnotation(string name, EndpointProtocol protocol, int? port, int targetPort) : IResourceAnnotation
{
    public string Name { get; } = name;

    public EndpointProtocol Protocol { get; set; } = protocol;

    public int? Port { get; set; } = port;

    /// <summary>The port inside a container when published (compose/Kubernetes).</summary>
    public int TargetPort { get; set; } = targetPort;

    /// <summary>Bind every interface instead of loopback.</summary>
    public bool IsExternal { get; set; }

    /// <summary>Environment variable that receives the port (for executables that read it themselves).</summary>
    public string? PortEnvironmentVariable { get; set; }

    public string UriScheme => Protocol == EndpointProtocol.Tcp ? "tcp" : "http";
}

/// <summary>Writes environment variables of the resource's processes; runs once per replica start.</summary>
public sealed class EnvironmentCallbackAnnotation(Action<EnvironmentCallbackContext> callback) : IResourceAnnotation
{
    public Action<EnvironmentCallbackContext> Callback { get; } = callback;
}

/// <summary>Adds command-line arguments, resolved at start like the environment.</summary>
public sealed class CommandLineArgsAnnotation(Func<ValueContext, IEnumerable<string>> args) : IResourceAnnotation
{
    public Func<ValueContext, IEnumerable<string>> Args { get; } = args;
}

/// <summary>The annotated resource starts only after <see cref="Resource"/> is healthy.</summary>
public sealed class WaitAnnotation(IResource resource) : IResourceAnnotation
{
    public IResource Resource { get; } = resource;
}

/// <summary>The resource references another (connection string or service discovery entries).</summary>
public sealed class ResourceReferenceAnnotation(IResource resource) : IResourceAnnotation
{
    public IResource Resource { get; } = resource;
}

/// <summary>Healthy means <c>GET path</c> on the endpoint answers 2xx.</summary>
public sealed class HttpHealthCheckAnnotation(string path, string endpointName) : IResourceAnnotation
{
    public string Path { get; } = path;

    public string EndpointName { get; } = endpointName;
}

public sealed class ReplicaAnnotation(int replicas) : IResourceAnnotation
{
    public int Replicas { get; } = replicas;
}

/// <summary>A command the resource needs on the machine, and the Debian package that provides it.</summary>
public sealed class RequiredCommandAnnotation(string command, string debianPackage) : IResourceAnnotation
{
    public string Command { get; } = command;

    public string DebianPackage { get; } = debianPackage;
}
