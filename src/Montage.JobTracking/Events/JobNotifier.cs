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
/// <para>
/// Lease wake-ups carry a count and the publishing replica's id ("kind\ncount\nreplica"): a replica ignores its own
/// messages (it woke its local waiters already; the echo would wake them a second time), others wake that many
/// waiters. A message with the kind alone (an older replica) wakes every waiter of the kind.
/// </para>
/// </summary>
internal sealed partial class JobNotifier(IConnectionMultiplexer redis, RedisChannels channels, ILogger<JobNotifier> logger) : IHostedService
{
    private readonly string _replica = Guid.NewGuid().ToString("N");
    private readonly ConcurrentDictionary<Guid, Signal> _providerSignals = new();

    /// <summary>
    /// Pulsed when the event log needs a table walk: events committed on another replica, or a local commit the
    /// watermark could not settle by itself (an earlier sequence still in flight or rolled back).
    /// </summary>
    public Signal EventsAppended { get; } = new();

    /// <summary>Raised right after a COMMIT on this replica, with the sequences of the events it appended.</summary>
    public event Action<IReadOnlyList<CommittedEvent>>? Committed;

    /// <summary>Lease calls waiting for jobs, woken one per leasable job.</summary>
    public LeaseWakeups Leases { get; } = new();

    /// <summary>The signal a local waiter of provider events for the job waits on; release it with <see cref="ReleaseProviderSignal"/>.</summary>
    public Signal ForProviderEvents(Guid jobId) => _providerSignals.GetOrAdd(jobId, _ => new Signal());

    public void ReleaseProviderSignal(Guid jobId) => _providerSignals.TryRemove(jobId, out _);

    /// <param name="events">The events the commit appended.</param>
    /// <param name="queuedKinds">Per kind, how many jobs became leasable (or concurrency slots were freed).</param>
    /// <param name="providerWakes">Jobs whose provider-event waiter should look again.</param>
    public void AfterCommit(IReadOnlyList<CommittedEvent> events, IReadOnlyDictionary<string, int> queuedKinds, IReadOnlyCollection<Guid> providerWakes)
    {
        if (events.Count > 0)
        {
            // The watermark settles these itself, and asks for a table walk (EventsAppended) only if it cannot.
            Committed?.Invoke(events);
        }

        foreach (var (kind, count) in queuedKinds)
        {
            Leases.Wake(kind, count);
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
                subscriber.Publish(channels.AllEvents, string.Create(CultureInfo.InvariantCulture, $"{events[^1].Sequence}\n{_replica}"), CommandFlags.FireAndForget);
            }

            foreach (var (kind, count) in queuedKinds)
            {
                subscriber.Publish(channels.Queued, string.Create(CultureInfo.InvariantCulture, $"{kind}\n{count}\n{_replica}"), CommandFlags.FireAndForget);
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
            await subscriber.SubscribeAsync(channels.AllEvents, (_, message) =>
            {
                // This replica's own commits reached the watermark directly.
                if (!message.ToString().EndsWith("\n" + _replica, StringComparison.Ordinal))
                {
                    EventsAppended.Pulse();
                }
            }).ConfigureAwait(false);
            await subscriber.SubscribeAsync(channels.Queued, (_, message) => OnQueuedMessage(message.ToString())).ConfigureAwait(false);
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

    private void OnQueuedMessage(string message)
    {
        var parts = message.Split('\n');
        if (parts.Length == 3 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count))
        {
            if (parts[2] != _replica)
            {
                Leases.Wake(parts[0], count);
            }

            return;
        }

        Leases.WakeAll(message);
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Warning, Message = "Publishing job notifications on Redis failed ({Error}); waiters fall back to polling.")]
    private static partial void LogPublishFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "Subscribing to job notifications on Redis failed ({Error}); waiters fall back to polling.")]
    private static partial void LogSubscribeFailed(ILogger logger, string error);
}
