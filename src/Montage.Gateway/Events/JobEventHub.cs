using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Montage.Clients;
using Montage.Contracts.Jobs.V1;

namespace Montage.Gateway.Events;

/// <summary>
/// Shared live event feeds: one JobTracker Watch per owner with open job streams, fanned out to every SSE stream of
/// that owner, instead of one Watch per stream. JobTracking answers every Watch with a Postgres read per change of its
/// event watermark, so a thousand streams cost a thousand reads per change; a shared feed costs one.
/// <para>
/// Gap-free hand-over: a feed started at sequence S delivers, in order, every event of its owner above S. A stream
/// registers first, so the feed buffers every later event of its job; the stream then replays the job's own events
/// with a per-job Watch until its cursor has caught up (see <see cref="JobEventSubscription"/>), and reads only the
/// feed from there, skipping what it already sent. When a feed fails, its streams fall back to a per-job Watch from
/// their cursor.
/// </para>
/// <para>
/// Settling at once: a feed is created for a stream whose job's last event L was just read, and starts after L - 1,
/// so its first answer is that very event, delivered by JobTracking only once its settled watermark has passed L. From
/// then on every stream that registers knows all events up to the feed's position are committed, so one Get tells it
/// where its replay ends, and the replay Watch lasts one read instead of waiting for the job's next event.
/// </para>
/// </summary>
internal sealed partial class JobEventHub(JobTrackerClient jobs, IOptions<GatewayOptions> options, ILogger<JobEventHub> logger) : IDisposable
{
    private readonly JobTrackerClient _jobs = jobs;
    private readonly ILogger _logger = logger;
    /// <summary>How long a feed without streams stays open, so streams that come and go do not restart it each time.</summary>
    internal static readonly TimeSpan Linger = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, OwnerFeed> _feeds = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Number of running feeds (tests).</summary>
    internal int FeedCount => _feeds.Count;

    /// <summary>Bounds the JobTracker calls of opening streams (see <see cref="EventReplayGate"/>).</summary>
    public EventReplayGate Replays { get; } = new(options.Value.EventReplayConcurrency);

    /// <summary>
    /// Registers interest in <paramref name="jobId"/> of <paramref name="owner"/>. When the owner has no feed, one is
    /// started after <paramref name="lastSequence"/> - 1, where <paramref name="lastSequence"/> is the job's last
    /// event sequence, read just before (see the class comment).
    /// </summary>
    public JobEventSubscription Subscribe(string owner, string jobId, long lastSequence)
    {
        while (true)
        {
            OwnerFeed? candidate = null;
            var feed = _feeds.GetOrAdd(owner, _ => candidate = new OwnerFeed(this, owner, Math.Max(0, lastSequence - 1)));
            var created = ReferenceEquals(feed, candidate);

            // Registered before the feed starts: nothing it delivers can pass the stream that created it.
            if (feed.TryRegister(jobId, created, out var subscription))
            {
                if (created)
                {
                    feed.Start();
                }

                return subscription;
            }

            // The feed was closing or failed: take it out and start another.
            _feeds.TryRemove(new KeyValuePair<string, OwnerFeed>(owner, feed));
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
        Replays.Dispose();
    }

    private void Remove(OwnerFeed feed) => _feeds.TryRemove(new KeyValuePair<string, OwnerFeed>(feed.Owner, feed));

    [LoggerMessage(EventId = 310, Level = LogLevel.Warning, Message = "The shared event feed of an owner ended ({Reason}); its streams continue on their own Watch.")]
    private static partial void LogFeedFailed(ILogger logger, string reason);

    /// <summary>One owner's Watch and the streams it serves.</summary>
    private sealed class OwnerFeed(JobEventHub hub, string owner, long startAfter)
    {
        private readonly object _lock = new();
        private readonly Dictionary<string, List<JobEventSubscription>> _byJob = new(StringComparer.Ordinal);
        private readonly TaskCompletionSource _settled = new(TaskCreationOptions.RunContinuationsAsynchronously);
        // Created in Start: GetOrAdd may build feeds it then throws away.
        private CancellationTokenSource _cancellation = null!;
        private readonly long _startAfter = startAfter;
        private long _position = startAfter;
        private bool _hasDelivered;
        private bool _closed;
        private int _count;
        private long _emptySince;

        public string Owner { get; } = owner;

        public void Start()
        {
            _cancellation = CancellationTokenSource.CreateLinkedTokenSource(hub._stopping.Token);
            _ = Task.Run(RunAsync);
        }

        public bool TryRegister(string jobId, bool created, out JobEventSubscription subscription)
        {
            lock (_lock)
            {
                subscription = null!;
                if (_closed)
                {
                    return false;
                }

                subscription = new JobEventSubscription(jobId, _position, _hasDelivered, created, _settled.Task, Unregister);
                if (!_byJob.TryGetValue(jobId, out var list))
                {
                    _byJob[jobId] = list = [];
                }

                list.Add(subscription);
                _count++;
                return true;
            }
        }

        private void Unregister(JobEventSubscription subscription)
        {
            lock (_lock)
            {
                if (_byJob.TryGetValue(subscription.JobId, out var list) && list.Remove(subscription))
                {
                    _count--;
                    if (list.Count == 0)
                    {
                        _byJob.Remove(subscription.JobId);
                    }

                    if (_count == 0)
                    {
                        _emptySince = Environment.TickCount64;
                    }
                }
            }
        }

        private async Task RunAsync()
        {
            var token = _cancellation.Token;
            using var idle = new PeriodicTimer(Linger / 3);
            var idleCheck = CloseWhenIdleAsync(idle, token);
            string reason;
            try
            {
                using var call = hub._jobs.Watch(new WatchRequest { OwnerScope = Owner, Owner = Owner, AfterSequence = _startAfter }, token);
                while (await call.ResponseStream.MoveNext(token).ConfigureAwait(false))
                {
                    Deliver(call.ResponseStream.Current);
                }

                reason = "stream ended";
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                reason = "closed";
            }
            catch (Exception exception)
            {
                reason = exception is Montage.Grpc.RpcException rpc ? rpc.StatusCode.ToString() : exception.GetType().Name;
            }

            Close(new InvalidOperationException("The shared event feed ended: " + reason));
            if (reason != "closed")
            {
                LogFeedFailed(hub._logger, reason);
            }

            await _cancellation.CancelAsync().ConfigureAwait(false);
            await idleCheck.ConfigureAwait(false);
            _cancellation.Dispose();
        }

        private void Deliver(JobEvent jobEvent)
        {
            lock (_lock)
            {
                _position = Math.Max(_position, jobEvent.Sequence);
                _hasDelivered = true;
                if (_byJob.TryGetValue(jobEvent.JobId, out var list))
                {
                    foreach (var subscription in list)
                    {
                        subscription.Offer(jobEvent);
                    }
                }
            }

            _settled.TrySetResult();
        }

        /// <summary>Ends the feed once it has had no stream for <see cref="Linger"/>.</summary>
        private async Task CloseWhenIdleAsync(PeriodicTimer timer, CancellationToken token)
        {
            try
            {
                while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false))
                {
                    lock (_lock)
                    {
                        if (_count > 0 || Environment.TickCount64 - _emptySince < Linger.TotalMilliseconds)
                        {
                            continue;
                        }

                        _closed = true;
                    }

                    hub.Remove(this);
                    await _cancellation.CancelAsync().ConfigureAwait(false);
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                // The feed ended.
            }
        }

        private void Close(Exception reason)
        {
            List<JobEventSubscription> all;
            lock (_lock)
            {
                _closed = true;
                all = [.. _byJob.Values.SelectMany(l => l)];
            }

            hub.Remove(this);
            foreach (var subscription in all)
            {
                subscription.Fail(reason);
            }

            _settled.TrySetResult();
        }
    }
}
