using Montage.Hosting.ApplicationModel;

namespace Montage.Hosting.Orchestration;

/// <summary>The run-time side of one resource: its replicas (for processes) and the snapshot it publishes.</summary>
internal sealed class ResourceRuntime
{
    private readonly Lock _lock = new();
    private readonly Lock _publishLock = new();
    private readonly ResourceNotificationService _notifications;
    private KnownResourceState _phase = KnownResourceState.NotStarted;
    private string? _phaseMessage;

    public ResourceRuntime(IResource resource, ResourceNotificationService notifications)
    {
        Resource = resource;
        _notifications = notifications;
        DependsOn = [.. DependencyGraph.DirectDependencies(resource).Select(d => d.Name).Distinct()];
    }

    public IResource Resource { get; }

    public List<InstanceRunner> Instances { get; } = [];

    public IReadOnlyList<string> DependsOn { get; }

    /// <summary>Held before the replicas exist (waiting, dependency failed) and for resources without processes.</summary>
    public void SetPhase(KnownResourceState phase, string? message = null)
    {
        lock (_lock)
        {
            _phase = phase;
            _phaseMessage = message;
        }

        Publish();
    }

    public KnownResourceState Phase
    {
        get
        {
            lock (_lock)
            {
                return _phase;
            }
        }
    }

    public void Publish()
    {
        // Replicas and their health probes publish from different threads; building and publishing under one lock keeps
        // an older snapshot from overtaking a newer one.
        lock (_publishLock)
        {
            PublishLocked();
        }
    }

    private void PublishLocked()
    {
        KnownResourceState phase;
        string? phaseMessage;
        lock (_lock)
        {
            phase = _phase;
            phaseMessage = _phaseMessage;
        }

        var instances = Instances.Select(i => i.Snapshot()).ToList();
        var useInstances = phase == KnownResourceState.Running && instances.Count > 0;
        var state = useInstances ? Aggregate(instances) : phase;
        var message = useInstances ? instances.Select(i => i.Message).FirstOrDefault(m => m is not null) : phaseMessage;
        var exitCode = instances.Select(i => i.ExitCode).FirstOrDefault(c => c is not null);
        var urls = instances.SelectMany(i => i.Urls.Values).ToList();
        _notifications.Publish(new ResourceStatus(Resource.Name, TypeName(Resource), state, message, exitCode, instances, urls, DependsOn,
            DateTimeOffset.UtcNow));
    }

    private static KnownResourceState Aggregate(List<InstanceSnapshot> instances)
    {
        // The most telling state of any replica wins, so one crashed replica is not hidden by healthy ones.
        KnownResourceState[] precedence =
        [
            KnownResourceState.FailedToStart, KnownResourceState.Stopping, KnownResourceState.Restarting, KnownResourceState.Exited, KnownResourceState.Unhealthy,
            KnownResourceState.Starting, KnownResourceState.NotStarted, KnownResourceState.Running,
        ];
        if (instances.All(i => i.State == KnownResourceState.Stopped))
        {
            return KnownResourceState.Stopped;
        }

        foreach (var state in precedence)
        {
            if (instances.Any(i => i.State == state))
            {
                return state;
            }
        }

        return instances.All(i => i.State == KnownResourceState.Healthy) ? KnownResourceState.Healthy : KnownResourceState.Running;
    }

    public static string TypeName(IResource resource) => resource switch
    {
        PostgresServerResource => "Postgres",
        PostgresDatabaseResource => "PostgresDatabase",
        RedisResource => "Redis",
        ProjectResource => "Project",
        ExecutableResource => "Executable",
        _ => resource.GetType().Name,
    };
}
