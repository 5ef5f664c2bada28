using Microsoft.Extensions.Options;

namespace Montage.Providers.Kie;

internal sealed class KieOptionsValidator : IValidateOptions<KieOptions>
{
    public ValidateOptionsResult Validate(string? name, KieOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ApiKey))
        {
            failures.Add("The KIE.ai key is missing: set KIE_API_KEY.");
        }

        foreach (var (setting, url) in new[] { ("BaseUrl", options.BaseUrl), ("UploadUrl", options.UploadUrl) })
        {
            if (url is null || !url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            {
                failures.Add($"{KieOptions.SectionName}:{setting} must be an absolute http(s) URL.");
            }
        }

        if (options.UploadLifetime <= TimeSpan.Zero || options.WebhookTimestampTolerance <= TimeSpan.Zero)
        {
            failures.Add($"{KieOptions.SectionName}:UploadLifetime and WebhookTimestampTolerance must be positive.");
        }

        if (string.IsNullOrWhiteSpace(options.UploadPath))
        {
            failures.Add($"{KieOptions.SectionName}:UploadPath must not be empty.");
        }

        if (!options.Retry.IsValid(out var problem))
        {
            failures.Add($"{KieOptions.SectionName}:{problem}");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
