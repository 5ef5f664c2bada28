using System.Runtime.CompilerServices;
using Montage.Hosting.ApplicationModel;
using Montage.Hosting.Dashboard;
using DashboardSnapshot = Montage.Hosting.Dashboard.ResourceSnapshot;
using DashboardState = Montage.Hosting.Dashboard.ResourceState;

namespace Montage.Hosting.Orchestration;

/// <summary>
/// The engine as the dashboard sees it: one row per resource, or one per replica (<c>name-0</c>, <c>name-1</c>) when a
/// resource has several; console lines; stop / start / restart.
/// </summary>
internal sealed class DashboardResourceSource(DistributedApplication app) : IDashboardResourceSource
{
    public IReadOnlyList<DashboardSnapshot> GetResources() =>
        [.. OrderedStatuses().SelectMany(Rows)];

    public async IAsyncEnumerable<DashboardSnapshot> WatchResourcesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var status in app.ResourceNotifications.WatchAsync(cancellationToken).ConfigureAwait(false))
        {
            foreach (var row in Rows(status))
            {
                yield return row;
            }
        }
    }

    public IReadOnlyList<ConsoleLine> GetConsoleLogs(string resourceName)
    {
        if (Resolve(resourceName) is not var (resource, instanceId, _))
        {
            return [];
        }

        return [.. app.ResourceLogs.GetLines(resource.Name).Where(l => instanceId is null || l.InstanceId == instanceId).Select(ToConsoleLine)];
    }

    public async IAsyncEnumerable<ConsoleLine> WatchConsoleLogsAsync(string resourceName, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (Resolve(resourceName) is not var (resource, instanceId, _))
        {
            yield break;
        }

        await foreach (var line in app.ResourceLogs.WatchNewAsync(resource.Name, cancellationToken).ConfigureAwait(false))
        {
            if (instanceId is null || line.InstanceId == instanceId)
            {
                yield return ToConsoleLine(line);
            }
        }
    }

    public Task ExecuteCommandAsync(string resourceName, ResourceCommand command, CancellationToken cancellationToken)
    {
        if (Resolve(resourceName) is not var (resource, _, replica))
        {
            throw new KeyNotFoundException($"There is no resource named '{resourceName}'.");
        }

        if (resource is not IProcessResource)
        {
            throw new InvalidOperationException($"'{resourceName}' has no process of its own.");
        }

        var orchestrator = app.RunningOrchestrator;
        switch (command)
        {
            case ResourceCommand.Start:
                orchestrator.StartResource(resource.Name, replica);
                break;
            case ResourceCommand.Stop:
                _ = orchestrator.StopResourceAsync(resource.Name, replica);
                break;
            case ResourceCommand.Restart:
                _ = orchestrator.RestartResourceAsync(resource.Name, replica);
                break;
            default:
                throw new InvalidOperationException($"Unknown command {command}.");
        }

        return Task.CompletedTask;
    }

    private IEnumerable<ResourceStatus> OrderedStatuses()
    {
        foreach (var resource in app.Resources)
        {
            if (app.ResourceNotifications.TryGetSnapshot(resource.Name) is { } status)
            {
                yield return status;
            }
        }
    }

    /// <summary>A name of the dashboard's: a resource, or one replica of it (<c>name-i</c>).</summary>
    private (IResource Resource, string? InstanceId, int? Replica)? Resolve(string name)
    {
        if (app.Resources.FirstOrDefault(r => r.Name == name) is { } resource)
        {
            return (resource, null, null);
        }

        foreach (var candidate in app.Resources)
        {
            var replicas = RunValueContext.Replicas(candidate);
            for (var replica = 0; replicas > 1 && replica < replicas; replica++)
            {
                if (name == $"{candidate.Name}-{replica}")
                {
                    return (candidate, name, replica);
                }
            }
        }

        return null;
    }

    private IEnumerable<DashboardSnapshot> Rows(ResourceStatus status)
    {
        var resource = app.GetResource(status.Name);
        var type = resource switch
        {
            ProjectResource => ResourceType.Project,
            ExecutableResource => ResourceType.Executable,
            PostgresDatabaseResource => ResourceType.Database,
            _ => ResourceType.Container,
        };
        var source = resource switch
        {
            ProjectResource project => project.ProjectPath,
            ExecutableResource executable => executable.Command,
            PostgresDatabaseResource database => database.Server.Name,
            PostgresServerResource => "postgres",
            RedisResource => "redis-server",
            _ => null,
        };
        var parent = resource is IResourceWithParent child ? child.Parent.Name : null;

        if (status.Instances.Count <= 1)
        {
            var instance = status.Instances.FirstOrDefault();
            yield return new DashboardSnapshot
            {
                Name = status.Name,
                Type = type,
                State = Map(status.State),
                Health = Health(status.State),
                ExitCode = status.ExitCode,
                Endpoints = instance is null ? [] : [.. instance.Urls.Select(u => new ResourceEndpoint(u.Key, u.Value))],
                ProcessId = instance?.ProcessId,
                StartedAt = instance?.StartedAt,
                RestartCount = instance?.RestartCount ?? 0,
                Environment = instance?.Environment ?? new Dictionary<string, string>(),
                Source = source,
                Parent = parent,
            };
            yield break;
        }

        foreach (var instance in status.Instances)
        {
            // Before the replicas start, the resource's own state (waiting) is the replicas' state too.
            var state = instance.State == KnownResourceState.NotStarted ? status.State : instance.State;
            yield return new DashboardSnapshot
            {
                Name = instance.InstanceId,
                Type = type,
                State = Map(state),
                Health = Health(state),
                ExitCode = instance.ExitCode,
                Endpoints = [.. instance.Urls.Select(u => new ResourceEndpoint(u.Key, u.Value))],
                ProcessId = instance.ProcessId,
                StartedAt = instance.StartedAt,
                RestartCount = instance.RestartCount,
                Environment = instance.Environment,
                ReplicaIndex = instance.Replica,
                Source = source,
                Parent = status.Name,
            };
        }
    }

    private static DashboardState Map(KnownResourceState state) => state switch
    {
        KnownResourceState.NotStarted or KnownResourceState.Waiting => DashboardState.NotStarted,
        KnownResourceState.Starting => DashboardState.Starting,
        KnownResourceState.Running or KnownResourceState.Stopping => DashboardState.Running,
        KnownResourceState.Healthy => DashboardState.Healthy,
        KnownResourceState.Unhealthy => DashboardState.Unhealthy,
        KnownResourceState.Exited => DashboardState.Exited,
        KnownResourceState.Restarting => DashboardState.Restarting,
        KnownResourceState.FailedToStart => DashboardState.FailedToStart,
        _ => DashboardState.Stopped,
    };

    private static HealthStatus Health(KnownResourceState state) => state switch
    {
        KnownResourceState.Healthy => HealthStatus.Healthy,
        KnownResourceState.Unhealthy => HealthStatus.Unhealthy,
        _ => HealthStatus.Unknown,
    };

    private static ConsoleLine ToConsoleLine(LogLine line) => new(line.Sequence, line.Timestamp, line.Text, line.IsError);
}
