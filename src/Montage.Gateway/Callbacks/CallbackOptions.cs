namespace Montage.Gateway.Callbacks;

/// <summary>Outbound webhook settings, bound from the <c>Callbacks</c> section.</summary>
public sealed class CallbackOptions
{
    public const string SectionName = "Callbacks";

    /// <summary>
    /// The Standard Webhooks secret, <c>whsec_</c> + base64 of 24 to 64 random bytes, shared with receivers. Unset:
    /// requests with a <c>callback_url</c> are refused (503 <c>callbacks_not_configured</c>) rather than silently
    /// never called back.
    /// </summary>
    public string? SigningSecret { get; set; }

    /// <summary>
    /// Delay before each attempt, counted from the previous one (the first from the terminal event): the standard
    /// schedule. Each delay gets up to 10% jitter. After the last attempt fails the delivery is given up.
    /// </summary>
    public List<TimeSpan> RetrySchedule { get; set; } = [];

    /// <summary>
    /// Callback URLs resolving to loopback, private, link-local or other non-public addresses are refused (SSRF)
    /// unless this is set (development and tests).
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>How long one attempt may take (connect, send, response headers).</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often open subscriptions are checked with JobTracker.Get, in case a Watch stream missed an event.</summary>
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest sleep of the sender between looks at the queue (other gateways may enqueue too).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Deliveries sent at once.</summary>
    public int MaxConcurrentDeliveries { get; set; } = 16;

    /// <summary>The standard schedule: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.</summary>
    public static IReadOnlyList<TimeSpan> StandardSchedule { get; } =
    [
        TimeSpan.Zero,
        TimeSpan.FromSeconds(5),
        TimeSpan.FromMinutes(5),
        TimeSpan.FromMinutes(30),
        TimeSpan.FromHours(2),
        TimeSpan.FromHours(5),
        TimeSpan.FromHours(10),
        TimeSpan.FromHours(10),
    ];

    /// <summary>The configured schedule, or the standard one when none is configured.</summary>
    public IReadOnlyList<TimeSpan> EffectiveSchedule => RetrySchedule.Count > 0 ? RetrySchedule : StandardSchedule;
}
