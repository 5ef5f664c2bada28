using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Montage.Clients;
using Montage.Contracts.Jobs.V1;
using Montage.Gateway.Jobs;
using Montage.Grpc;

namespace Montage.Gateway.Callbacks;

/// <summary>
/// Finds terminal events of subscribed jobs: a JobTracker Watch per owner with open subscriptions (fast path), and
/// a periodic reconciliation that reads every open subscription's job with Get (so an event missed while a stream
/// was down, or before it started, is still found).
/// </summary>
internal sealed class CallbackEventWatcher(
    CallbackStore store,
    JobTrackerClient jobs,
    CallbackSignal signal,
    IOptionsMonitor<CallbackOptions> options,
    ILogger<CallbackEventWatcher> logger) : BackgroundService
{
    private const int ReconcileBatch = 1000;
    private readonly ConcurrentDictionary<string, OwnerWatch> _watches = new(StringComparer.Ordinal);
    private CancellationToken _stopping = new(canceled: true);

    /// <summary>Follows <paramref name="owner"/>'s events from now on, if not already.</summary>
    public void EnsureWatching(string owner)
    {
        if (_stopping.IsCancellationRequested || _watches.ContainsKey(owner))
        {
            return;
        }

        var watch = new OwnerWatch(owner, CancellationTokenSource.CreateLinkedTokenSource(_stopping));
        if (_watches.TryAdd(owner, watch))
        {
            watch.Run = Task.Run(() => WatchAsync(watch));
        }
        else
        {
            watch.Cancellation.Dispose();
        }
    }

    /// <summary>Queues the delivery when <paramref name="job"/> is terminal and subscribed; wakes the sender.</summary>
    public async Task HandleJobAsync(Job job, CancellationToken cancellationToken)
    {
        if (JobJson.IsTerminal(job.State) && await store.EnqueueAsync(job, cancellationToken).ConfigureAwait(false))
        {
            signal.Notify();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await ReconcileAsync(stoppingToken).ConfigureAwait(false);
                await Task.Delay(options.CurrentValue.ReconcileInterval, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            foreach (var watch in _watches.Values)
            {
                await watch.Cancellation.CancelAsync().ConfigureAwait(false);
            }

            await Task.WhenAll(_watches.Values.Select(w => w.Run ?? Task.CompletedTask)).ConfigureAwait(false);
        }
    }

    private async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        try
        {
            var open = await store.OpenSubscriptionsAsync(ReconcileBatch, cancellationToken).ConfigureAwait(false);
            var owners = open.Select(s => s.Owner).ToHashSet(StringComparer.Ordinal);
            foreach (var owner in owners)
            {
                EnsureWatching(owner);
            }

            foreach (var (jobId, _) in open)
            {
                try
                {
                    await HandleJobAsync(await jobs.GetAsync(new GetJobRequest { JobId = jobId }, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
                }
                catch (RpcException exception) when (exception.StatusCode == StatusCode.NotFound)
                {
                    await store.SettleAsync(jobId, cancellationToken).ConfigureAwait(false);
                }
            }

            // Owners with nothing left to call back need no stream; a new subscription starts one again.
            if (open.Count < ReconcileBatch)
            {
                foreach (var (owner, watch) in _watches)
                {
                    if (!owners.Contains(owner) && _watches.TryRemove(owner, out _))
                    {
                        await watch.Cancellation.CancelAsync().ConfigureAwait(false);
                    }
                }
            }
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            CallbacksLog.ReconcileFailed(logger, exception.GetType().Name, exception);
        }
    }

    private async Task WatchAsync(OwnerWatch watch)
    {
        var token = watch.Cancellation.Token;
        long position = 0;
        var backoff = TimeSpan.FromMilliseconds(500);
        try
        {
            while (!token.IsCancellationRequested)
            {
                string reason;
                try
                {
                    // From now on at first (reconciliation covers the past), then from the last event seen.
                    using var call = jobs.Watch(new WatchRequest { OwnerScope = watch.Owner, Owner = watch.Owner, AfterSequence = position, LiveOnly = position == 0 }, token);
                    while (await call.ResponseStream.MoveNext(token).ConfigureAwait(false))
                    {
                        var jobEvent = call.ResponseStream.Current;
                        await HandleEventAsync(jobEvent, token).ConfigureAwait(false);
                        position = Math.Max(position, jobEvent.Sequence);
                        backoff = TimeSpan.FromMilliseconds(500);
                    }

                    reason = "stream ended";
                }
                catch (RpcException exception) when (!token.IsCancellationRequested)
                {
                    reason = exception.StatusCode.ToString();
                }
                catch (Exception exception) when (!token.IsCancellationRequested && exception is not OperationCanceledException)
                {
                    reason = exception.GetType().Name;
                }

                CallbacksLog.WatchInterrupted(logger, watch.Owner, reason, position);
                await Task.Delay(backoff, token).ConfigureAwait(false);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopped.
        }
        finally
        {
            _watches.TryRemove(new KeyValuePair<string, OwnerWatch>(watch.Owner, watch));
            watch.Cancellation.Dispose();
        }
    }

    private async Task HandleEventAsync(JobEvent jobEvent, CancellationToken cancellationToken)
    {
        switch (jobEvent.Type)
        {
            case "job.succeeded" or "job.failed" or "job.canceled" when jobEvent.Job is { } job:
                await HandleJobAsync(job, cancellationToken).ConfigureAwait(false);
                break;
            case "job.queued" or "job.waiting" or "job.retrying":
                // A retried job runs again: its next terminal event is called back too.
                await store.UnsettleAsync(jobEvent.JobId, cancellationToken).ConfigureAwait(false);
                break;
        }
    }

    private sealed class OwnerWatch(string owner, CancellationTokenSource cancellation)
    {
        public string Owner { get; } = owner;

        public CancellationTokenSource Cancellation { get; } = cancellation;

        public Task? Run { get; set; }
    }
}
