namespace Montage.Hosting.ApplicationModel;

/// <summary>A named part of the distributed application: a server, a service or a plain executable.</summary>
public interface IResource
{
    string Name { get; }

    /// <summary>Everything the AppHost declared about the resource (endpoints, environment, waits, ...).</summary>
    ResourceAnnotationCollection Annotations { get; }
}

/// <summary>A resource that other resources reach through a connection string (<c>ConnectionStrings__name</c>).</summary>
public interface IResourceWithConnectionString : IResource
{
    string GetConnectionString(ValueContext context);
}

/// <summary>A resource that listens on named endpoints.</summary>
public interface IResourceWithEndpoints : IResource;

/// <summary>A resource that others find through service discovery entries (<c>services__name__endpoint__0</c>).</summary>
public interface IResourceWithServiceDiscovery : IResourceWithEndpoints;

/// <summary>A resource whose process environment the AppHost writes.</summary>
public interface IResourceWithEnvironment : IResource;

/// <summary>A resource whose start can be held back until others are healthy.</summary>
public interface IResourceWithWaitSupport : IResource;

/// <summary>A resource that lives inside another one (a database inside its server).</summary>
public interface IResourceWithParent : IResource
{
    IResource Parent { get; }
}

/// <summary>A resource the orchestrator runs as operating-system processes.</summary>
public interface IProcessResource : IResourceWithEnvironment, IResourceWithWaitSupport;

public abstract class Resource(string name) : IResource
{
    public string Name { get; } = ResourceNames.Validate(name);

    public ResourceAnnotationCollection Annotations { get; } = [];

    public override string ToString() => $"{GetType().Name}({Name})";
}
