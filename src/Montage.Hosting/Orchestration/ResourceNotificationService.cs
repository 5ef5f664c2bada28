using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Montage.Hosting;

/// <summary>Current state of every resource, and a stream of changes (Aspire's ResourceNotificationService).</summary>
public sealed class ResourceNotificationService
{
    private readonly ConcurrentDictionary<string, ResourceSnapshot> _current = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly List<Channel<ResourceSnapshot>> _subscribers = [];

    public IReadOnlyList<ResourceSnapshot> GetSnapshots() => [.. _current.Values.OrderBy(s => s.Name, StringComparer.Ordinal)];

    public ResourceSnapshot? TryGetSnapshot(string resourceName) => _current.GetValueOrDefault(resourceName);

    /// <summary>Every resource's current snapshot, then each change until cancelled.</summary>
    public async IAsyncEnumerable<ResourceSnapshot> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateUnbounded<ResourceSnapshot>();
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

    public async Task<ResourceSnapshot> WaitForResourceAsync(
        string resourceName, Func<ResourceSnapshot, bool> predicate, CancellationToken cancellationToken = default)
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

    public Task<ResourceSnapshot> WaitForResourceAsync(string resourceName, ResourceState state, CancellationToken cancellationToken = default) =>
        WaitForResourceAsync(resourceName, s => s.State == state, cancellationToken);

    /// <summary>Completes when the resource is healthy; throws if it failed to start.</summary>
    public async Task<ResourceSnapshot> WaitForResourceHealthyAsync(string resourceName, CancellationToken cancellationToken = default)
    {
        var snapshot = await WaitForResourceAsync(
            resourceName, s => s.State is ResourceState.Healthy or ResourceState.FailedToStart, cancellationToken).ConfigureAwait(false);
        return snapshot.State == ResourceState.FailedToStart
            ? throw new InvalidOperationException($"Resource '{resourceName}' failed to start: {snapshot.Message}")
            : snapshot;
    }

    internal void Publish(ResourceSnapshot snapshot)
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
