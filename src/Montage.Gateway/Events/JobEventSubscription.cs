using System.Threading.Channels;
using Montage.Contracts.Jobs.V1;

namespace Montage.Gateway.Events;

/// <summary>
/// One SSE stream's interest in one job on its owner's shared feed: the feed's events for that job, buffered from the
/// moment of registration, in sequence order. <see cref="Position"/> and <see cref="Settled"/> describe what the feed
/// guaranteed at registration (see <see cref="JobEventHub"/> for how a stream uses them).
/// </summary>
internal sealed class JobEventSubscription : IDisposable
{
    private readonly Channel<JobEvent> _events = Channel.CreateUnbounded<JobEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly Action<JobEventSubscription> _unregister;

    internal JobEventSubscription(string jobId, long position, bool settled, bool createdFeed, Task settledLater, Action<JobEventSubscription> unregister)
    {
        JobId = jobId;
        Position = position;
        Settled = settled;
        CreatedFeed = createdFeed;
        SettledLater = settledLater;
        _unregister = unregister;
    }

    public string JobId { get; }

    /// <summary>Every event of the job with a sequence above this reaches <see cref="Events"/>.</summary>
    public long Position { get; }

    /// <summary>
    /// True when, at registration, every event up to <see cref="Position"/> was already committed (the feed had
    /// delivered an event, which JobTracking does only up to its settled watermark).
    /// </summary>
    public bool Settled { get; }

    /// <summary>This registration started the feed, at the caller's own job's last sequence.</summary>
    public bool CreatedFeed { get; }

    /// <summary>Completes when the feed delivers its first event (it is then settled) or fails.</summary>
    public Task SettledLater { get; }

    /// <summary>The job's events from the feed; completes with an exception when the feed fails.</summary>
    public ChannelReader<JobEvent> Events => _events.Reader;

    internal bool Offer(JobEvent jobEvent) => _events.Writer.TryWrite(jobEvent);

    internal void Fail(Exception exception) => _events.Writer.TryComplete(exception);

    public void Dispose()
    {
        _events.Writer.TryComplete();
        _unregister(this);
    }
}
