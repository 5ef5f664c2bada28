using Montage.Generation.Worker;
using Montage.Providers.Abstractions;

namespace Montage.Generation.Tests;

public sealed class JobErrorsUnitTests
{
    [Theory]
    [InlineData(ProviderErrorKind.ContentPolicy, "content_policy_violation", false)]
    [InlineData(ProviderErrorKind.Validation, "provider_validation", false)]
    [InlineData(ProviderErrorKind.RateLimited, "rate_limited", true)]
    [InlineData(ProviderErrorKind.Transient, "provider_unavailable", true)]
    [InlineData(ProviderErrorKind.OutcomeUnknown, "submit_outcome_unknown", false)]
    [InlineData(ProviderErrorKind.InsufficientCredits, "insufficient_credits", false)]
    [InlineData(ProviderErrorKind.GenerationFailed, "generation_failed", false)]
    public void Provider_errors_map_to_stable_codes_and_retry_decisions(ProviderErrorKind kind, string code, bool retryable)
    {
        var failure = JobErrors.From(new ProviderError(kind, "x", "detail") { RetryAfter = TimeSpan.FromSeconds(7) });

        Assert.Equal(code, failure.Error.Code);
        Assert.Equal(retryable, failure.Error.Retryable);
        TimeSpan? expectedDelay = retryable ? TimeSpan.FromSeconds(7) : null;
        Assert.Equal(expectedDelay, failure.RetryAfter);
    }
}
