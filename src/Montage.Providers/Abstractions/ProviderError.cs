namespace Montage.Providers.Abstractions;

public enum ProviderErrorKind
{
    /// <summary>Not classifiable; treat as final.</summary>
    Unknown,

    /// <summary>The input was refused (HTTP 422, bad image, too long...). Final.</summary>
    Validation,

    /// <summary>The input or output breached the provider's content policy. Final.</summary>
    ContentPolicy,

    /// <summary>Too many requests; retry after <see cref="ProviderError.RetryAfter"/>.</summary>
    RateLimited,

    /// <summary>Server error, maintenance or network failure; retry with backoff.</summary>
    Transient,

    /// <summary>The job did not start before its start deadline. Final.</summary>
    StartTimeout,

    /// <summary>The account has no credits left. Final until topped up.</summary>
    InsufficientCredits,

    /// <summary>The key is missing, wrong or lacks permission. Final.</summary>
    Unauthorized,

    /// <summary>The provider ran the job and it failed to produce output. Final.</summary>
    GenerationFailed,

    /// <summary>The provider does not know the request. Final.</summary>
    NotFound,

    /// <summary>The job was cancelled. Final.</summary>
    Cancelled,

    /// <summary>
    /// A submit was sent but no answer came back: the provider may have accepted (and will bill) it.
    /// Never resubmit blindly; reconcile first (e.g. wait for a webhook that names an unknown request).
    /// </summary>
    OutcomeUnknown,
}

/// <summary>A classified provider failure. <see cref="Message"/> is safe to log and show: it never holds keys.</summary>
/// <param name="Kind">The classification that decides retry behaviour.</param>
/// <param name="Code">The provider's own error type or code, e.g. <c>content_policy_violation</c>, <c>402</c>.</param>
/// <param name="Message">Human-readable detail.</param>
public sealed record ProviderError(ProviderErrorKind Kind, string? Code, string Message)
{
    public int? HttpStatus { get; init; }

    /// <summary>How long the provider asked us to wait (Retry-After), when it did.</summary>
    public TimeSpan? RetryAfter { get; init; }

    public bool IsRetryable => Kind is ProviderErrorKind.RateLimited or ProviderErrorKind.Transient;

    public override string ToString() => $"{Kind} ({Code ?? "-"}): {Message}";
}
