namespace Montage.Gateway;

/// <summary>Gateway settings, bound from the <c>Gateway</c> section and validated at start.</summary>
public sealed class GatewayOptions
{
    public const string SectionName = "Gateway";

    /// <summary>Bootstrap admin key (<c>mk_...</c>): it may create API keys, nothing else. Unset: no admin.</summary>
    public string? AdminKey { get; set; }

    /// <summary>An API key accepted for owner <see cref="DevOwner"/>, stored hashed at start (development convenience).</summary>
    public string? DevKey { get; set; }

    /// <summary>The owner of <see cref="DevKey"/>.</summary>
    public string DevOwner { get; set; } = "dev";

    /// <summary>How providers reach this gateway (webhook URLs); read by the workers, shown in links here.</summary>
    public Uri? PublicUrl { get; set; }

    /// <summary>
    /// How long an API key lookup is cached. Revocations reach every instance at once through Postgres notifications,
    /// so this bounds only how often a key is read again, not how long a revoked key keeps working.
    /// </summary>
    public TimeSpan ApiKeyCacheDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Requests per minute per API key unless the key carries its own limit.</summary>
    public int DefaultRequestsPerMinute { get; set; } = 1200;

    /// <summary>Largest JSON request body accepted by the API (uploads have their own limit).</summary>
    public long MaxJsonBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Largest provider webhook body accepted.</summary>
    public long MaxWebhookBodyBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>How long an Idempotency-Key's record (and its stored answer) is kept; the key is free again after that.</summary>
    public TimeSpan IdempotencyRetention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often expired Idempotency-Key records are deleted.</summary>
    public TimeSpan IdempotencyPruneInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Job event streams share one JobTracker Watch per owner (true, the default) instead of one Watch each; false is
    /// kept for comparison in the benchmark and as a fallback.
    /// </summary>
    public bool SharedEventFeeds { get; set; } = true;

    /// <summary>How often an idle event stream gets a keep-alive comment, so proxies do not close it.</summary>
    public TimeSpan EventKeepAlive { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How many job event streams may talk to JobTracker at once while they open (Gets and the Watch replaying the job's
    /// past); the others wait their turn, so a burst of streams cannot exhaust JobTracking's database pool.
    /// </summary>
    public int EventReplayConcurrency { get; set; } = 16;
}
