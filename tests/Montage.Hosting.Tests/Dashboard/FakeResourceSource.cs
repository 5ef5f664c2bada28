using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Montage.Hosting.Dashboard;

namespace Montage.Hosting.Tests.Dashboard;

/// <summary>
/// A test double of the AppHost engine's side of the dashboard: a fixed set of resources whose state changes when
/// a command arrives, and console output the test appends. Records every command it is asked to perform.
/// </summary>
internal sealed class FakeResourceSource : IDashboardResourceSource
{
    private readonly Lock _gate = new();
    private readonly List<ResourceSnapshot> _resources;
    private readonly Dictionary<string, List<ConsoleLine>> _console = [];
    private readonly List<Channel<ResourceSnapshot>> _resourceWatchers = [];
    private readonly List<(string Resource, Channel<ConsoleLine> Channel)> _consoleWatchers = [];

    public FakeResourceSource(IEnumerable<ResourceSnapshot> resources) => _resources = [.. resources];

    public ConcurrentQueue<(string Resource, ResourceCommand Command)> Commands { get; } = new();

    public IReadOnlyList<ResourceSnapshot> GetResources()
    {
        lock (_gate)
        {
            return [.. _resources];
        }
    }

    public async IAsyncEnumerable<ResourceSnapshot> WatchResourcesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateUnbounded<ResourceSnapshot>();
        lock (_gate)
        {
            _resourceWatchers.Add(channel);
        }

        try
        {
            await foreach (var snapshot in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return snapshot;
            }
        }
        finally
        {
            lock (_gate)
            {
                _resourceWatchers.Remove(channel);
            }
        }
    }

    public IReadOnlyList<ConsoleLine> GetConsoleLogs(string resourceName)
    {
        lock (_gate)
        {
            return _console.TryGetValue(resourceName, out var lines) ? [.. lines] : [];
        }
    }

    public async IAsyncEnumerable<ConsoleLine> WatchConsoleLogsAsync(string resourceName, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateUnbounded<ConsoleLine>();
        var watcher = (resourceName, channel);
        lock (_gate)
        {
            _consoleWatchers.Add(watcher);
        }

        try
        {
            await foreach (var line in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return line;
            }
        }
        finally
        {
            lock (_gate)
            {
                _consoleWatchers.Remove(watcher);
            }
        }
    }

    public Task ExecuteCommandAsync(string resourceName, ResourceCommand command, CancellationToken cancellationToken)
    {
        Commands.Enqueue((resourceName, command));
        var state = command switch
        {
            ResourceCommand.Stop => ResourceState.Stopped,
            _ => ResourceState.Running,
        };
        Update(resourceName, r => r with
        {
            State = state,
            ProcessId = state == ResourceState.Stopped ? null : r.ProcessId,
            RestartCount = command == ResourceCommand.Restart ? r.RestartCount + 1 : r.RestartCount,
        });
        return Task.CompletedTask;
    }

    public void Update(string resourceName, Func<ResourceSnapshot, ResourceSnapshot> change)
    {
        ResourceSnapshot updated;
        Channel<ResourceSnapshot>[] watchers;
        lock (_gate)
        {
            var index = _resources.FindIndex(r => r.Name == resourceName);
            if (index < 0)
            {
                throw new KeyNotFoundException(resourceName);
            }

            updated = change(_resources[index]);
            _resources[index] = updated;
            watchers = [.. _resourceWatchers];
        }

        foreach (var watcher in watchers)
        {
            watcher.Writer.TryWrite(updated);
        }
    }

    public void WriteConsole(string resourceName, string text, bool isError = false)
    {
        ConsoleLine line;
        Channel<ConsoleLine>[] watchers;
        lock (_gate)
        {
            if (!_console.TryGetValue(resourceName, out var lines))
            {
                lines = [];
                _console[resourceName] = lines;
            }

            line = new ConsoleLine(lines.Count + 1, DateTimeOffset.UtcNow, text, isError);
            lines.Add(line);
            watchers = _consoleWatchers.Where(w => w.Resource == resourceName).Select(w => w.Channel).ToArray();
        }

        foreach (var watcher in watchers)
        {
            watcher.Writer.TryWrite(line);
        }
    }
}
