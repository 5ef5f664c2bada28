using System.Collections.Concurrent;
using System.Globalization;
using Montage.JobTracking.Persistence;
using StackExchange.Redis;

namespace Montage.JobTracking.Events;

/// <summary>
/// The fast path between replicas: after COMMIT, publishes event sequences (per job, owner, production and
/// globally), "a job of kind K is leasable" and provider-webhook wake-ups on Redis, and pulses the local
/// waiters directly so this replica does not wait for the Redis round trip. Messages from other replicas
/// pulse the same local signals. Redis is lossy by design here: every waiter also polls Postgres as a fallback.
/// </summary>
internal sealed partial class JobNotifier(IConnectionMultiplexer redis, RedisChannels channels, ILogger<JobNotifier> logger) : IHostedService
{
    private readonly ConcurrentDictionary<string, Signal> _kindSignals = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Guid, Signal> _providerSignals = new();

    /// <summary>Pulsed when any event may have been committed (here or on another replica).</summary>
    public Signal EventsAppended { get; } = new();

    /// <summary>Raised right after a COMMIT on this replica, with the sequences of the events it appended.</summary>
    public event Action<IReadOnlyList<CommittedEvent>>? Committed;

    public Signal ForKind(string kind) => _kindSignals.GetOrAdd(kind, _ => new Signal());

    /// <summary>The signal a local waiter of provider events for the job waits on; release it with <see cref="ReleaseProviderSignal"/>.</summary>
    public Signal ForProviderEvents(Guid jobId) => _providerSignals.GetOrAdd(jobId, _ => new Signal());

    public void ReleaseProviderSignal(Guid jobId) => _providerSignals.TryRemove(jobId, out _);

    public void AfterCommit(IReadOnlyList<CommittedEvent> events, IReadOnlyCollection<string> queuedKinds, IReadOnlyCollection<Guid> providerWakes)
    {
        if (events.Count > 0)
        {
            Committed?.Invoke(events);
            EventsAppended.Pulse();
        }

        foreach (var kind in queuedKinds)
        {
            ForKind(kind).Pulse();
        }

        foreach (var jobId in providerWakes)
        {
            if (_providerSignals.TryGetValue(jobId, out var signal))
            {
                signal.Pulse();
            }
        }

        try
        {
            var subscriber = redis.GetSubscriber();
            foreach (var e in events)
            {
                RedisValue sequence = e.Sequence.ToString(CultureInfo.InvariantCulture);
                subscriber.Publish(channels.JobEvents(e.JobId), sequence, CommandFlags.FireAndForget);
                subscriber.Publish(channels.OwnerEvents(e.Owner), sequence, CommandFlags.FireAndForget);
                if (e.ProductionId.Length > 0)
                {
                    subscriber.Publish(channels.ProductionEvents(e.ProductionId), sequence, CommandFlags.FireAndForget);
                }
            }

            if (events.Count > 0)
            {
                subscriber.Publish(channels.AllEvents, events[^1].Sequence.ToString(CultureInfo.InvariantCulture), CommandFlags.FireAndForget);
            }

            foreach (var kind in queuedKinds)
            {
                subscriber.Publish(channels.Queued, kind, CommandFlags.FireAndForget);
            }

            foreach (var jobId in providerWakes)
            {
                subscriber.Publish(channels.ProviderEvents(jobId), "1", CommandFlags.FireAndForget);
            }
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException or ObjectDisposedException)
        {
            // Postgres holds everything; other replicas find it by polling.
            LogPublishFailed(logger, exception.GetType().Name);
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var subscriber = redis.GetSubscriber();
        try
        {
            await subscriber.SubscribeAsync(channels.AllEvents, (_, _) => EventsAppended.Pulse()).ConfigureAwait(false);
            await subscriber.SubscribeAsync(channels.Queued, (_, kind) => ForKind(kind.ToString()).Pulse()).ConfigureAwait(false);
            await subscriber.SubscribeAsync(channels.AllProviderEvents, (channel, _) =>
            {
                var text = channel.ToString();
                if (Guid.TryParse(text.AsSpan(text.LastIndexOf(':') + 1), out var jobId) && _providerSignals.TryGetValue(jobId, out var signal))
                {
                    signal.Pulse();
                }
            }).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            // The multiplexer restores subscriptions it knows of when Redis comes back; until then polling covers.
            LogSubscribeFailed(logger, exception.GetType().Name);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 200, Level = LogLevel.Warning, Message = "Publishing job notifications on Redis failed ({Error}); waiters fall back to polling.")]
    private static partial void LogPublishFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "Subscribing to job notifications on Redis failed ({Error}); waiters fall back to polling.")]
    private static partial void LogSubscribeFailed(ILogger logger, string error);
}
