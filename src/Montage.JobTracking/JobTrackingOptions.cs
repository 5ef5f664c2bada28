using System.ComponentModel.DataAnnotations;
using Montage.Providers.Catalog;

namespace Montage.JobTracking;

/// <summary>Settings of the JobTracker, from the <c>JobTracking</c> configuration section.</summary>
public sealed class JobTrackingOptions
{
    public const string SectionName = "JobTracking";

    /// <summary>Job kinds Submit accepts; a new kind is a configuration change, not a contract change.</summary>
    [MinLength(1)]
    public List<string> Kinds { get; set; } = [.. JobKinds.All];

    /// <summary>
    /// Per-model overrides by catalog model id: provider, timeout, concurrency cap. A model's provider and timeout
    /// come from the model catalog (src/Montage.Providers/Catalog/models.json); set them here only to differ.
    /// </summary>
    public Dictionary<string, ModelSettings> Models { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Per-provider settings ("fal", "kie", "local"): concurrency cap across all its models.</summary>
    public Dictionary<string, ProviderSettings> Providers { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Attempt deadline for a model without its own timeout.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan DefaultTimeout { get; set; } = TimeSpan.FromMinutes(10);

    [Range(1, 100)]
    public int DefaultMaxAttempts { get; set; } = 3;

    /// <summary>First retry delay; doubles per attempt up to <see cref="BackoffMax"/>, with jitter.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan BackoffBase { get; set; } = TimeSpan.FromSeconds(2);

    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan BackoffMax { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Largest accepted input_json, in UTF-8 bytes.</summary>
    [Range(256, 16 * 1024 * 1024)]
    public int MaxInputBytes { get; set; } = 64 * 1024;

    [Range(1, 10_000)]
    public int MaxGraphNodes { get; set; } = 500;

    [Range(1, 1000)]
    public int MaxDependencies { get; set; } = 100;

    /// <summary>Log lines kept on the job itself; the full log is in job.log events.</summary>
    [Range(1, 1000)]
    public int RecentLogLines { get; set; } = 20;

    [Range(1, 1000)]
    public int MaxLogLinesPerReport { get; set; } = 100;

    [Range(16, 64 * 1024)]
    public int MaxLogLineBytes { get; set; } = 4096;

    [Range(1, 64 * 1024 * 1024)]
    public int MaxProviderPayloadBytes { get; set; } = 1024 * 1024;

    [Range(1, 1000)]
    public int MaxLeaseBatch { get; set; } = 100;

    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan DefaultLeaseDuration { get; set; } = TimeSpan.FromSeconds(60);

    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan DefaultLeaseWait { get; set; } = TimeSpan.FromSeconds(30);

    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan MaxLeaseWait { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Waiting Lease calls look again this often even without a wake-up (Redis down, backoff ended).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan LeasePollFallback { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Expired leases, timed-out attempts, stuck waiting jobs and old events are handled this often.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan HousekeepingInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Events older than this are pruned; Watch from before it starts with snapshots.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")]
    public TimeSpan EventRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How long a gap in the event sequence is waited for before it is taken as a rolled-back transaction.
    /// Must exceed the commit latency of the short event-writing transactions.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan EventGapTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Watchers and the watermark look at the table this often even without a Redis notification.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan EventPollFallback { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Group commit of Submit (without dependencies), Checkpoint and Complete: calls of one kind that arrive while the
    /// previous batch of that kind is executing run together in one transaction, at most this many. 1 turns it off
    /// (every call its own transaction).
    /// </summary>
    [Range(1, 1000)]
    public int GroupCommitMaxBatch { get; set; } = 64;

    /// <summary>Batches of one kind executing at once (each holds one database connection while it runs).</summary>
    [Range(1, 16)]
    public int GroupCommitExecutors { get; set; } = 1;

    /// <summary>
    /// Watch calls reading stored events at once (replay and catch-up reads); more wait their turn instead of
    /// exhausting the connection pool. Keep it well below the pool's Maximum Pool Size (100 by default).
    /// </summary>
    [Range(1, 1000)]
    public int MaxConcurrentWatchReads { get; set; } = 16;

    /// <summary>Prefix of the Redis channels (several deployments may share one Redis).</summary>
    [Required]
    public string RedisChannelPrefix { get; set; } = "montage:jobs";

    public ModelSettings? FindModel(string modelId) => Models.TryGetValue(modelId, out var model) ? model : null;

    /// <summary>The provider of a model: configured, else the catalog's, else from its id ("fal-ai/..." is fal, "kie/..." kie).</summary>
    public string ProviderOf(string modelId)
    {
        if (FindModel(modelId)?.Provider is { Length: > 0 } provider)
        {
            return provider;
        }

        if (ModelCatalog.Load().TryGet(modelId, out var model))
        {
            return model.Provider;
        }

        var first = modelId.Split('/', 2)[0];
        return first switch
        {
            "fal-ai" => "fal",
            _ => first,
        };
    }

    /// <summary>The attempt deadline of a model: configured, else the catalog's timeout, else <see cref="DefaultTimeout"/>.</summary>
    public TimeSpan TimeoutOf(string modelId) =>
        FindModel(modelId)?.Timeout
        ?? (ModelCatalog.Load().TryGet(modelId, out var model) && model.TimeoutSeconds > 0 ? model.Timeout : DefaultTimeout);
}

public sealed class ModelSettings
{
    public string? Provider { get; set; }

    public TimeSpan? Timeout { get; set; }

    /// <summary>At most this many jobs of the model run at once across all workers; null: no model cap.</summary>
    public int? MaxConcurrency { get; set; }
}

public sealed class ProviderSettings
{
    /// <summary>At most this many jobs of the provider run at once across all workers; null: no cap.</summary>
    public int? MaxConcurrency { get; set; }
}
