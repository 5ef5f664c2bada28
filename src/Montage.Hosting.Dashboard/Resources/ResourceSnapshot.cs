namespace Montage.Hosting.Dashboard;

/// <summary>
/// Everything the dashboard shows about one resource at one moment. The engine publishes a new snapshot
/// whenever anything in it changes; snapshots are immutable.
/// </summary>
public sealed record ResourceSnapshot
{
    /// <summary>Unique name; for replicas, unique per replica (for example "images-1").</summary>
    public required string Name { get; init; }

    public required ResourceType Type { get; init; }

    public required ResourceState State { get; init; }

    public HealthStatus Health { get; init; } = HealthStatus.Unknown;

    /// <summary>Exit code of the last process run, when it has exited.</summary>
    public int? ExitCode { get; init; }

    public IReadOnlyList<ResourceEndpoint> Endpoints { get; init; } = [];

    /// <summary>OS process id while a process runs.</summary>
    public int? ProcessId { get; init; }

    /// <summary>When the current (or last) process started; the dashboard derives uptime from it.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    public int RestartCount { get; init; }

    /// <summary>
    /// The environment given to the process, unmasked. The dashboard masks secrets before showing it
    /// (names containing KEY, SECRET, PASSWORD, TOKEN; Password= inside connection strings).
    /// </summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Replica index when the resource is one of several replicas of the same project; otherwise null.</summary>
    public int? ReplicaIndex { get; init; }

    /// <summary>What runs: a project path, an executable, or the parent server of a database. Optional.</summary>
    public string? Source { get; init; }

    /// <summary>The parent resource (for a database: its server; for a replica: the project). Optional.</summary>
    public string? Parent { get; init; }
}
