using System.ComponentModel.DataAnnotations;

namespace Montage.Generation;

/// <summary>Settings of a generation service's worker, from the <c>Generation</c> configuration section.</summary>
public sealed class GenerationOptions
{
    public const string SectionName = "Generation";

    /// <summary>Jobs this process runs at once; each mostly waits on a provider, so a few per core is fine.</summary>
    [Range(1, 256)]
    public int MaxConcurrentJobs { get; set; } = 4;

    /// <summary>How long a lease lasts without a heartbeat: a crashed worker's jobs are resumed after it.</summary>
    [Range(typeof(TimeSpan), "00:00:02", "01:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Heartbeat period; well under the lease duration so one slow call does not lose the lease.</summary>
    [Range(typeof(TimeSpan), "00:00:00.200", "00:20:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Longest a Lease call is held open when there is no work.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan LeaseWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Polling when the provider cannot call us back (no Gateway:PublicUrl): first interval, growing to <see cref="PollMax"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan PollInitial { get; set; } = TimeSpan.FromSeconds(2);

    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan PollMax { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Polling when a webhook is expected: only a fallback for a webhook that never comes, so it is sparse.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan WebhookPollInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Pause after a failed Lease call (JobTracker unreachable) before trying again.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:05:00")]
    public TimeSpan LeaseErrorBackoff { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Input URLs must stay valid this long beyond the model's timeout (queue wait plus run).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan InputUrlMargin { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How long a provider keeps output files; they are copied out right after completion.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan OutputLifetime { get; set; } = TimeSpan.FromHours(24);
}
