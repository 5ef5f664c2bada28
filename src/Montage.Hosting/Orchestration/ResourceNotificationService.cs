using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Montage.Hosting.ApplicationModel;

/// <summary>Current state of every resource, and a stream of changes (Aspire's ResourceNotificationService).</summary>
public sealed class ResourceNotificationService
{
    private readonly ConcurrentDictionary<string, ResourceStatus> _current = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly List<Channel<ResourceStatus>> _subscribers = [];

    public IReadOnlyList<ResourceStatus> GetSnapshots() => [.. _current.Values.OrderBy(s => s.Name, StringComparer.Ordinal)];

    public ResourceStatus? TryGetSnapshot(string resourceName) => _current.GetValueOrDefault(resourceName);

    /// <summary>Every resource's current snapshot, then each change until cancelled.</summary>
    public async IAsyncEnumerable<ResourceStatus> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateUnbounded<ResourceStatus>();
        lock (_lock)
        {
            foreach (var snapshot in GetSnapshots())
            {
                channel.Writer.TryWrite(snapshot);
            }

            _subscribers.Add(channel);
        }

        try
        {
            await foreach (var snapshot in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return snapshot;
            }
        }
        finally
        {
            lock (_lock)
            {
                _subscribers.Remove(channel);
            }
        }
    }

    public async Task<ResourceStatus> WaitForResourceAsync(
        string resourceName, Func<ResourceStatus, bool> predicate, CancellationToken cancellationToken = default)
    {
        await foreach (var snapshot in WatchAsync(cancellationToken).ConfigureAwait(false))
        {
            if (snapshot.Name == resourceName && predicate(snapshot))
            {
                return snapshot;
            }
        }

        throw new OperationCanceledException(cancellationToken);
    }

    public Task<ResourceStatus> WaitForResourceAsync(string resourceName, KnownResourceState state, CancellationToken cancellationToken = default) =>
        WaitForResourceAsync(resourceName, s => s.State == state, cancellationToken);

    /// <summary>Completes when the resource is healthy; throws if it failed to start.</summary>
    public async Task<ResourceStatus> WaitForResourceHealthyAsync(string resourceName, CancellationToken cancellationToken = default)
    {
        var snapshot = await WaitForResourceAsync(
            resourceName, s => s.State is KnownResourceState.Healthy or KnownResourceState.FailedToStart, cancellationToken).ConfigureAwait(false);
        return snapshot.State == KnownResourceState.FailedToStart
            ? throw new InvalidOperationException($"Resource '{resourceName}' failed to start: {snapshot.Message}")
            : snapshot;
    }

    internal void Publish(ResourceStatus snapshot)
    {
        lock (_lock)
        {
            _current[snapshot.Name] = snapshot;
            foreach (var subscriber in _subscribers)
            {
                subscriber.Writer.TryWrite(snapshot);
            }
        }
    }
}
