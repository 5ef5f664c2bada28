using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Montage.JobTracking.Events;

/// <summary>
/// Redis channel names. Event channels carry the event's sequence number only: Redis is a doorbell, the
/// event itself is read from Postgres, so a lost message never loses an event.
/// </summary>
internal sealed class RedisChannels(IOptions<JobTrackingOptions> options)
{
    private readonly string _prefix = options.Value.RedisChannelPrefix;

    /// <summary>Every event of the tracker (the watermark of every replica listens here).</summary>
    public RedisChannel AllEvents => new(_prefix + ":events", RedisChannel.PatternMode.Literal);

    public RedisChannel JobEvents(Guid jobId) => new($"{_prefix}:events:job:{jobId}", RedisChannel.PatternMode.Literal);

    public RedisChannel OwnerEvents(string owner) => new($"{_prefix}:events:owner:{owner}", RedisChannel.PatternMode.Literal);

    public RedisChannel ProductionEvents(string productionId) => new($"{_prefix}:events:production:{productionId}", RedisChannel.PatternMode.Literal);

    /// <summary>A job of the kind in the message became leasable, or a concurrency slot of that kind was freed.</summary>
    public RedisChannel Queued => new(_prefix + ":queued", RedisChannel.PatternMode.Literal);

    /// <summary>A verified provider webhook arrived for the job: its lease holder may fetch the result now.</summary>
    public RedisChannel AllProviderEvents => new(_prefix + ":provider-events:*", RedisChannel.PatternMode.Pattern);

    public RedisChannel ProviderEvents(Guid jobId) => new($"{_prefix}:provider-events:{jobId}", RedisChannel.PatternMode.Literal);
}
