using Microsoft.Extensions.Logging;
using Montage.Hosting.ApplicationModel;
using Npgsql;

namespace Montage.Hosting.Orchestration;

/// <summary>
/// Starts every resource as soon as what it waits for is healthy (so in dependency order), and stops them in reverse:
/// a resource stops only after everything that depends on it has stopped.
/// </summary>
internal sealed class Orchestrator
{
    private readonly IReadOnlyList<IResource> _order;
    private readonly Dictionary<string, ResourceRuntime> _runtimes = new(StringComparer.Ordinal);
    private readonly ResourceNotificationService _notifications;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _starting = new();
    private readonly List<Task> _startTasks = [];

    public Orchestrator(
        IReadOnlyList<IResource> resources,
        OrchestratorSettings settings,
        RunValueContext values,
        ResourceNotificationService notifications,
        ResourceLoggerService logs,
        ILogger logger)
    {
        _order = DependencyGraph.TopologicalOrder(resources);
        _notifications = notifications;
        _logger = logger;
        Values = values;
        foreach (var resource in _order)
        {
            var runtime = new ResourceRuntime(resource, notifications);
            _runtimes[resource.Name] = runtime;
            if (DriverFor(resource) is not { } driver)
            {
                continue;
            }

            var replicas = RunValueContext.Replicas(resource);
            for (var replica = 0; replica < replicas; replica++)
            {
                var instanceId = replicas == 1 ? resource.Name : $"{resource.Name}-{replica}";
                void Log(LogSource source, string line) => logs.Write(resource.Name, instanceId, source, line);
                var context = new InstanceContext(resource, replica, instanceId, values, settings, Log);
                runtime.Instances.Add(new InstanceRunner(runtime, context, driver, logger));
            }
        }
    }

    public RunValueContext Values { get; }

    public IReadOnlyList<IResource> Resources => _order;

    public static ResourceDriver? DriverFor(IResource resource) => resource switch
    {
        PostgresServerResource => new PostgresDriver(),
        RedisResource => new RedisDriver(),
        ProjectResource => new ProjectDriver(),
        ExecutableResource => new ExecutableDriver(),
        _ => null,
    };

    public void Start()
    {
        foreach (var runtime in _runtimes.Values)
        {
            runtime.Publish();
        }

        foreach (var resource in _order)
        {
            var runtime = _runtimes[resource.Name];
            _startTasks.Add(Task.Run(() => StartResourceAsync(runtime, _starting.Token)));
        }
    }

    public async Task StopAsync()
    {
        await _starting.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_startTasks).ConfigureAwait(false);
        HostingLog.Stopping(_logger, _runtimes.Count);
        var stops = new Dictionary<string, Task>(StringComparer.Ordinal);
        foreach (var resource in _order.Reverse())
        {
            var dependents = _order
                .Where(r => DependencyGraph.DirectDependencies(r).Contains(resource))
                .Select(r => stops[r.Name])
                .ToList();
            stops[resource.Name] = StopAfterAsync(_runtimes[resource.Name], dependents);
        }

        await Task.WhenAll(stops.Values).ConfigureAwait(false);
    }

    public ResourceRuntime Runtime(string resourceName) =>
        _runtimes.TryGetValue(resourceName, out var runtime)
            ? runtime
            : throw new ArgumentException($"There is no resource named '{resourceName}'.", nameof(resourceName));

    /// <summary>Stops every replica, or only <paramref name="replica"/>.</summary>
    public async Task StopResourceAsync(string resourceName, int? replica = null)
    {
        var runtime = Runtime(resourceName);
        await Task.WhenAll(Select(runtime, replica).Select(i => i.StopAsync())).ConfigureAwait(false);
        runtime.Publish();
    }

    public void StartResource(string resourceName, int? replica = null)
    {
        var runtime = Runtime(resourceName);
        if (runtime.Instances.Count == 0)
        {
            throw new InvalidOperationException($"Resource '{resourceName}' has no process to start.");
        }

        if (runtime.Phase == KnownResourceState.Running)
        {
            foreach (var instance in Select(runtime, replica))
            {
                instance.Start();
            }
        }
    }

    public async Task RestartResourceAsync(string resourceName, int? replica = null)
    {
        await StopResourceAsync(resourceName, replica).ConfigureAwait(false);
        StartResource(resourceName, replica);
    }

    /// <summary>SIGKILL every replica (or the one named by instance id), as a crash would.</summary>
    public int KillResource(string resourceName, int? replica = null)
    {
        return Select(Runtime(resourceName), replica).Count(i => i.Kill());
    }

    private static IEnumerable<InstanceRunner> Select(ResourceRuntime runtime, int? replica) =>
        runtime.Instances.Where((_, index) => replica is null || replica == index);

    private async Task StartResourceAsync(ResourceRuntime runtime, CancellationToken cancellationToken)
    {
        var waits = runtime.Resource.Annotations.OfType<WaitAnnotation>().Select(w => w.Resource);
        if (runtime.Resource is IResourceWithParent child)
        {
            waits = waits.Prepend(child.Parent);
        }

        var dependencies = waits.Distinct().ToList();
        try
        {
            if (dependencies.Count > 0)
            {
                runtime.SetPhase(KnownResourceState.Waiting, $"waiting for {string.Join(", ", dependencies.Select(d => d.Name))}");
                foreach (var dependency in dependencies)
                {
                    await _notifications.WaitForResourceHealthyAsync(dependency.Name, cancellationToken).ConfigureAwait(false);
                }
            }

            if (runtime.Resource is PostgresDatabaseResource database)
            {
                await CreateDatabaseAsync(runtime, database, cancellationToken).ConfigureAwait(false);
                return;
            }

            runtime.SetPhase(KnownResourceState.Running);
            foreach (var instance in runtime.Instances)
            {
                instance.Start();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            if (runtime.Phase != KnownResourceState.Running)
            {
                runtime.SetPhase(KnownResourceState.Stopped);
            }
        }
        catch (InvalidOperationException failed)
        {
            HostingLog.FailedToStart(_logger, runtime.Resource.Name, failed.Message);
            runtime.SetPhase(KnownResourceState.FailedToStart, failed.Message);
        }
    }

    private async Task CreateDatabaseAsync(ResourceRuntime runtime, PostgresDatabaseResource database, CancellationToken cancellationToken)
    {
        runtime.SetPhase(KnownResourceState.Starting, "creating the database");
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await PostgresDriver.EnsureDatabaseAsync(database, Values, cancellationToken).ConfigureAwait(false);
                runtime.SetPhase(KnownResourceState.Healthy);
                return;
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException && attempt < 10)
            {
                HostingLog.DatabaseRetry(_logger, database.Name, exception.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException)
            {
                runtime.SetPhase(KnownResourceState.FailedToStart, exception.Message);
                return;
            }
        }
    }

    private static async Task StopAfterAsync(ResourceRuntime runtime, List<Task> dependents)
    {
        await Task.WhenAll(dependents).ConfigureAwait(false);
        if (runtime.Instances.Count == 0)
        {
            if (runtime.Phase is not (KnownResourceState.NotStarted or KnownResourceState.FailedToStart))
            {
                runtime.SetPhase(KnownResourceState.Stopped);
            }

            return;
        }

        await Task.WhenAll(runtime.Instances.Select(i => i.StopAsync())).ConfigureAwait(false);
        runtime.Publish();
    }
}
