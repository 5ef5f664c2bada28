namespace Montage.Hosting.Dashboard;

/// <summary>What kind of thing a resource is; the dashboard shows it as the resource's type.</summary>
public enum ResourceType
{
    /// <summary>A .NET project started by the AppHost.</summary>
    Project,

    /// <summary>Any other executable started by the AppHost.</summary>
    Executable,

    /// <summary>A server that would be a container under Aspire (Postgres, Redis), started here as a process.</summary>
    Container,

    /// <summary>A database inside a server resource (no process of its own).</summary>
    Database,
}
