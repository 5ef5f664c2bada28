using Montage.Providers.Abstractions;

namespace Montage.Generation.Worker;

/// <summary>
/// Provider failures as JobError codes. Refusals of the input (validation, content policy) and anything final are not
/// retried; rate limits and provider outages are, after at least the provider's Retry-After.
/// </summary>
internal static class JobErrors
{
    public const string Canceled = "canceled";
    public const string Timeout = "timeout";
    public const string InvalidInput = "invalid_input";
    public const string UnknownModel = "unknown_model";
    public const string ProviderNotConfigured = "provider_not_configured";
    public const string AssetNotFound = "asset_not_found";
    public const string OutcomeUnknown = "submit_outcome_unknown";
    public const string OutputImportFailed = "output_import_failed";
    public const string NoOutput = "no_output";

    public static JobFailureException From(ProviderError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var (code, retryable) = error.Kind switch
        {
            ProviderErrorKind.ContentPolicy => ("content_policy_violation", false),
            ProviderErrorKind.Validation => ("provider_validation", false),
            ProviderErrorKind.RateLimited => ("rate_limited", true),
            ProviderErrorKind.Transient => ("provider_unavailable", true),
            ProviderErrorKind.StartTimeout => ("start_timeout", false),
            ProviderErrorKind.InsufficientCredits => ("insufficient_credits", false),
            ProviderErrorKind.Unauthorized => ("provider_unauthorized", false),
            ProviderErrorKind.GenerationFailed => ("generation_failed", false),
            ProviderErrorKind.NotFound => ("provider_request_not_found", false),
            ProviderErrorKind.Cancelled => ("provider_canceled", false),
            ProviderErrorKind.OutcomeUnknown => (OutcomeUnknown, false),
            _ => ("provider_error", false),
        };
        var detail = error.Code is { Length: > 0 } providerCode ? $"{error.Message} (provider code {providerCode})" : error.Message;
        return new JobFailureException(code, detail, retryable, retryable ? error.RetryAfter : null);
    }
}
