using Montage.Clients;
using Montage.Contracts.Jobs.V1;

namespace Montage.Gateway.Events;

/// <summary>
/// <c>GET /v1/jobs/{id}/events</c> after its checks: the job's past replayed by a short per-job Watch, then the owner's
/// shared feed alone (see <see cref="JobEventHub"/>). Caught up means every event of the job up to some sequence was
/// sent and the feed delivers every event above it: the subscription's <see cref="JobEventSubscription.Position"/>, or
/// the job's last sequence read after registration on a settled feed. A stream whose cursor is already there (a
/// reconnect with a recent Last-Event-ID) opens no Watch at all.
/// </summary>
internal sealed class JobEventStream(
    HttpContext context, JobTrackerClient client, JobEventSubscription subscription, EventReplayGate gate, string jobId, string owner, TimeSpan keepAlive)
{
    private readonly CancellationToken _aborted = context.RequestAborted;
    private long _cursor;
    private long? _caughtUpAt;

    /// <summary>The sequence of the last event sent.</summary>
    public long Cursor => _cursor;

    /// <summary>
    /// Streams until the job's terminal event; false when the feed failed and the caller must go on with a Watch from
    /// <see cref="Cursor"/>. <paramref name="caughtUpAt"/> is known when this stream created the feed (its job's last
    /// sequence, read before).
    /// </summary>
    public async Task<bool> RunAsync(long after, long? caughtUpAt)
    {
        _cursor = after;
        _caughtUpAt = caughtUpAt;
        if (!CaughtUp())
        {
            if (_caughtUpAt is null)
            {
                // Settled, every event up to the feed's position is committed, so a Get now sees all of this job's.
                // A feed settles with its first answer (see JobEventHub); if it fails instead, the replay still runs
                // and the feed's failure sends the caller to its own Watch.
                if (!subscription.Settled)
                {
                    await WaitWithKeepAlivesAsync(subscription.SettledLater).ConfigureAwait(false);
                }

                using (await gate.EnterAsync(_aborted).ConfigureAwait(false))
                {
                    _caughtUpAt = (await client.GetAsync(new GetJobRequest { JobId = jobId, Owner = owner }, _aborted).ConfigureAwait(false)).LastEventSequence;
                }
            }

            if (!CaughtUp())
            {
                using (await gate.EnterAsync(_aborted).ConfigureAwait(false))
                {
                    if (await ReplayAsync().ConfigureAwait(false))
                    {
                        return true;
                    }
                }
            }
        }

        return await FollowFeedAsync().ConfigureAwait(false);
    }

    private bool CaughtUp() => _cursor >= subscription.Position || (_caughtUpAt is { } at && _cursor >= at);

    /// <summary>
    /// The job's own Watch until caught up: every event it must still send is committed, so this lasts about one read.
    /// True when the stream is complete (terminal event sent, or the Watch ended).
    /// </summary>
    private async Task<bool> ReplayAsync()
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(_aborted);
        using var call = client.Watch(new WatchRequest { JobId = jobId, Owner = owner, AfterSequence = _cursor }, cancel.Token);
        var next = call.ResponseStream.MoveNext(cancel.Token);
        try
        {
            while (!CaughtUp())
            {
                await WaitWithKeepAlivesAsync(next).ConfigureAwait(false);
                if (!await next.ConfigureAwait(false))
                {
                    return true;
                }

                if (await SendAsync(call.ResponseStream.Current).ConfigureAwait(false))
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

    /// <summary>Waits for <paramref name="task"/> to complete (not for its result), sending keep-alive comments meanwhile.</summary>
    private async Task WaitWithKeepAlivesAsync(Task task)
    {
        while (!task.IsCompleted)
        {
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(_aborted);
            var tick = Task.Delay(keepAlive, idle.Token);
            var winner = await Task.WhenAny(task, tick).ConfigureAwait(false);
            await idle.CancelAsync().ConfigureAwait(false);
            if (winner == tick)
            {
                await EventEndpoints.WriteAsync(context.Response, ": keep-alive\n\n", _aborted).ConfigureAwait(false);
            }
            else
            {
                _aborted.ThrowIfCancellationRequested();
            }
        }
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
