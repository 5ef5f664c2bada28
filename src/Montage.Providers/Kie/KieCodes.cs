using System.Globalization;
using Montage.Providers.Abstractions;

namespace Montage.Providers.Kie;

/// <summary>KIE's <c>code</c> field (in the envelope, also inside HTTP 200) and task failCode, classified.</summary>
internal static class KieCodes
{
    public const int Success = 200;

    public static ProviderError Classify(int code, string? message, TimeSpan? retryAfter = null)
    {
        var kind = code switch
        {
            401 or 403 => ProviderErrorKind.Unauthorized,
            402 => ProviderErrorKind.InsufficientCredits,
            404 => ProviderErrorKind.NotFound,
            400 or 422 => ProviderErrorKind.Validation,
            429 or 433 => ProviderErrorKind.RateLimited,
            455 or 500 or 502 or 503 or 504 => ProviderErrorKind.Transient,
            501 => ProviderErrorKind.GenerationFailed,
            505 => ProviderErrorKind.Validation,
            _ => ProviderErrorKind.Unknown,
        };
        var code3 = code.ToString(CultureInfo.InvariantCulture);
        return new ProviderError(kind, code3, string.IsNullOrWhiteSpace(message) ? $"KIE.ai answered code {code3}." : message)
        {
            HttpStatus = code,
            RetryAfter = retryAfter,
        };
    }

    /// <summary>Codes worth repeating the same call for. 433 (sub-key limit) is left to the caller: it does not clear in seconds.</summary>
    public static bool IsRetryable(int code) => code is 429 or 455 or 500 or 502 or 503 or 504;

    /// <summary>Codes that prove a createTask was not accepted, so sending it again cannot pay twice.</summary>
    public static bool SubmitNotAccepted(int code) => code is 429 or 455 or 503;

    /// <summary>A task's failCode (string or number) and failMsg, as the job's classified failure.</summary>
    public static ProviderError TaskFailure(string? failCode, string? failMessage)
    {
        var message = string.IsNullOrWhiteSpace(failMessage) ? "KIE.ai reported the generation as failed." : failMessage;
        if (int.TryParse(failCode, NumberStyles.Integer, CultureInfo.InvariantCulture, out var code) && code != Success)
        {
            var classified = Classify(code, message);
            return classified.Kind is ProviderErrorKind.Unknown or ProviderErrorKind.Transient or ProviderErrorKind.RateLimited
                ? classified with { Kind = ProviderErrorKind.GenerationFailed, HttpStatus = null }
                : classified with { HttpStatus = null };
        }

        return new ProviderError(ProviderErrorKind.GenerationFailed, string.IsNullOrWhiteSpace(failCode) ? "fail" : failCode, message);
    }
}
