using Montage.Clients;
using Montage.Contracts.Jobs.V1;

namespace Montage.Gateway.Events;

/// <summary>
/// <c>GET /v1/jobs/{id}/events</c> after its checks: the job's own Watch only until the stream has caught up with
/// the owner's shared feed, then the feed alone (see <see cref="JobEventHub"/>). Caught up means every event of the job
/// up to some sequence was sent and the feed delivers every event above it: the subscription's
/// <see cref="JobEventSubscription.Position"/>, or the job's last sequence read after registration on a settled feed.
/// </summary>
internal sealed class JobEventStream(HttpContext context, JobTrackerClient client, JobEventSubscription subscription, string jobId, string owner, TimeSpan keepAlive)
{
    private readonly CancellationToken _aborted = context.RequestAborted;
    private long _cursor;
    private long? _caughtUpAt;

    /// <summary>The sequence of the last event sent.</summary>
    public long Cursor => _cursor;

    /// <summary>Streams until the job's terminal event; false when the feed failed and the caller must go on with a Watch from <see cref="Cursor"/>.</summary>
    public async Task<bool> RunAsync(long after, long? caughtUpAt)
    {
        _cursor = after;
        _caughtUpAt = caughtUpAt;
        if (!CaughtUp() && await FollowOwnWatchAsync().ConfigureAwait(false))
        {
            return true;
        }

        return await FollowFeedAsync().ConfigureAwait(false);
    }

    private bool CaughtUp() => _cursor >= subscription.Position || (_caughtUpAt is { } at && _cursor >= at);

    /// <summary>The job's own Watch until caught up; true when the stream is complete (terminal event sent, or the Watch ended).</summary>
    private async Task<bool> FollowOwnWatchAsync()
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(_aborted);
        using var call = client.Watch(new WatchRequest { JobId = jobId, Owner = owner, AfterSequence = _cursor }, cancel.Token);
        var next = call.ResponseStream.MoveNext(cancel.Token);
        var settled = subscription.Settled || _caughtUpAt is not null ? null : subscription.SettledLater;
        try
        {
            while (!CaughtUp())
            {
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(_aborted);
                var tick = Task.Delay(keepAlive, idle.Token);
                var winner = await Task.WhenAny(settled is null ? [next, tick] : [next, tick, settled]).ConfigureAwait(false);
                await idle.CancelAsync().ConfigureAwait(false);
                if (winner == tick)
                {
                    await EventEndpoints.WriteAsync(context.Response, ": keep-alive\n\n", _aborted).ConfigureAwait(false);
                    continue;
                }

                if (winner == settled)
                {
                    // The feed is settled now: what the job had by now is what this Watch must still deliver.
                    settled = null;
                    _caughtUpAt = (await client.GetAsync(new GetJobRequest { JobId = jobId, Owner = owner }, _aborted).ConfigureAwait(false)).LastEventSequence;
                    continue;
                }

                if (!await next.ConfigureAwait(false))
                {
                    return true;
                }

                var jobEvent = call.ResponseStream.Current;
                if (await SendAsync(jobEvent).ConfigureAwait(false))
                {
                    return true;
                }

                next = call.ResponseStream.MoveNext(cancel.Token);
            }
        }
        finally
        {
            await cancel.CancelAsync().ConfigureAwait(false);
            try
            {
                await next.ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is OperationCanceledException or Montage.Grpc.RpcException or HttpRequestException or IOException)
            {
                // The Watch is no longer needed; its end does not matter.
            }
        }

        return false;
    }

    /// <summary>The shared feed; true when the terminal event was sent, false when the feed failed.</summary>
    private async Task<bool> FollowFeedAsync()
    {
        var events = subscription.Events;
        while (true)
        {
            using (var idle = CancellationTokenSource.CreateLinkedTokenSource(_aborted))
            {
                var ready = events.WaitToReadAsync(idle.Token).AsTask();
                var tick = Task.Delay(keepAlive, idle.Token);
                var winner = await Task.WhenAny(ready, tick).ConfigureAwait(false);
                await idle.CancelAsync().ConfigureAwait(false);
                if (winner == tick)
                {
                    _aborted.ThrowIfCancellationRequested();
                    await EventEndpoints.WriteAsync(context.Response, ": keep-alive\n\n", _aborted).ConfigureAwait(false);
                    continue;
                }

                try
                {
                    if (!await ready.ConfigureAwait(false))
                    {
                        return false;
                    }
                }
                catch (InvalidOperationException)
                {
                    // The feed failed.
                    return false;
                }
            }

            while (events.TryRead(out var jobEvent))
            {
                if (await SendAsync(jobEvent).ConfigureAwait(false))
                {
                    return true;
                }
            }
        }
    }

    /// <summary>Sends an event not sent yet; true when it was the job's terminal event.</summary>
    private async Task<bool> SendAsync(JobEvent jobEvent)
    {
        if (jobEvent.Sequence <= _cursor)
        {
            return false;
        }

        await EventEndpoints.WriteAsync(context.Response, EventEndpoints.Format(jobEvent), _aborted).ConfigureAwait(false);
        _cursor = jobEvent.Sequence;
        return EventJson.IsTerminal(jobEvent.Type);
    }
}
