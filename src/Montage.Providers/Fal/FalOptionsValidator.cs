using Microsoft.Extensions.Options;

namespace Montage.Providers.Fal;

internal sealed class FalOptionsValidator : IValidateOptions<FalOptions>
{
    public ValidateOptionsResult Validate(string? name, FalOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Key))
        {
            failures.Add("The fal.ai key is missing: set FAL_KEY, or FAL_KEY_ID and FAL_KEY_SECRET.");
        }

        foreach (var (setting, url) in new[] { ("QueueUrl", options.QueueUrl), ("RestUrl", options.RestUrl), ("JwksUrl", options.JwksUrl) })
        {
            if (url is null || !url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            {
                failures.Add($"{FalOptions.SectionName}:{setting} must be an absolute http(s) URL.");
            }
        }

        if (options.JwksCacheDuration <= TimeSpan.Zero || options.JwksCacheDuration > FalOptions.MaxJwksCacheDuration)
        {
            failures.Add($"{FalOptions.SectionName}:JwksCacheDuration must be positive and at most 24 hours.");
        }

        if (options.JwksMinRefreshInterval < TimeSpan.Zero || options.WebhookTimestampTolerance <= TimeSpan.Zero)
        {
            failures.Add($"{FalOptions.SectionName}:JwksMinRefreshInterval must be >= 0 and WebhookTimestampTolerance positive.");
        }

        if (!options.Retry.IsValid(out var problem))
        {
            failures.Add($"{FalOptions.SectionName}:{problem}");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
