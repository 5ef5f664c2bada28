namespace Montage.Hosting.ApplicationModel;

public enum KnownResourceState
{
    NotStarted,

    /// <summary>Held back by <c>WaitFor</c> until its dependencies are healthy.</summary>
    Waiting,
    Starting,
    Running,
    Healthy,
    Unhealthy,

    /// <summary>The process ended on its own; see the exit code.</summary>
    Exited,

    /// <summary>Waiting out the back-off before starting a crashed process again.</summary>
    Restarting,
    FailedToStart,
    Stopping,
    Stopped,
}

public enum LogSource
{
    StandardOutput,
    StandardError,

    /// <summary>Written by the AppHost about the resource (start, exit, restart).</summary>
    Host,
}

public sealed record LogLine(long Sequence, DateTimeOffset Timestamp, string InstanceId, LogSource Source, string Text)
{
    public bool IsError => Source == LogSource.StandardError;
}

public sealed record InstanceSnapshot(
    string InstanceId,
    int Replica,
    KnownResourceState State,
    int? ProcessId,
    int? ExitCode,
    int RestartCount,
    DateTimeOffset? StartedAt,
    string? Message,
    IReadOnlyDictionary<string, string> Urls,
    IReadOnlyDictionary<string, string> Environment);

/// <summary>What the dashboard and tests see of one resource at one moment.</summary>
public sealed record ResourceStatus(
    string Name,
    string ResourceType,
    KnownResourceState State,
    string? Message,
    int? ExitCode,
    IReadOnlyList<InstanceSnapshot> Instances,
    IReadOnlyList<string> Urls,
    IReadOnlyList<string> DependsOn,
    DateTimeOffset Timestamp)
{
    public bool IsHealthy => State == KnownResourceState.Healthy;
}
