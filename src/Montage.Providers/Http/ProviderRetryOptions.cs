using System.ComponentModel.DataAnnotations;

namespace Montage.Providers.Http;

/// <summary>Backoff for provider calls that are safe to repeat; bound from <c>Providers:&lt;name&gt;:Retry</c>.</summary>
public sealed record ProviderRetryOptions
{
    /// <summary>Retries after the first attempt; 0 disables retrying.</summary>
    [Range(0, 20)]
    public int MaxRetries { get; set; } = 4;

    /// <summary>First backoff delay; later delays grow exponentially, with jitter.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Upper bound on a provider's Retry-After, so a bad header cannot stall a worker for hours.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Deadline of one HTTP attempt (status, result, cancel, submit).</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Deadline of one upload attempt.</summary>
    public TimeSpan UploadTimeout { get; set; } = TimeSpan.FromMinutes(10);

    internal bool IsValid(out string? problem)
    {
        problem = BaseDelay < TimeSpan.Zero || MaxDelay < BaseDelay ? "Retry:BaseDelay must be >= 0 and <= Retry:MaxDelay."
            : AttemptTimeout <= TimeSpan.Zero || UploadTimeout <= TimeSpan.Zero ? "Retry timeouts must be positive."
            : MaxRetryAfter < TimeSpan.Zero ? "Retry:MaxRetryAfter must be >= 0."
            : MaxRetries is < 0 or > 20 ? "Retry:MaxRetries must be between 0 and 20."
            : null;
        return problem is null;
    }
}
