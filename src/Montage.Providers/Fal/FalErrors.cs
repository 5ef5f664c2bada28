using System.Net;
using System.Text.Json.Nodes;
using Montage.Providers.Abstractions;
using Montage.Providers.Http;

namespace Montage.Providers.Fal;

/// <summary>Classifies fal.ai error answers (validation detail lists, infrastructure error types, HTTP statuses).</summary>
internal static class FalErrors
{
    public const string ErrorTypeHeader = "X-Fal-Error-Type";
    public const string TimeoutTypeHeader = "X-Fal-Request-Timeout-Type";

    public static ProviderError FromResponse(HttpResponseMessage response, string body, TimeProvider timeProvider)
    {
        var status = (int)response.StatusCode;
        var errorTypeHeader = HttpResponseFacts.Header(response.Headers, ErrorTypeHeader);
        var timeoutType = HttpResponseFacts.Header(response.Headers, TimeoutTypeHeader);
        var error = Classify(status, TryParse(body), errorTypeHeader, timeoutType);
        return error with { HttpStatus = status, RetryAfter = HttpResponseFacts.RetryAfter(response, timeProvider) };
    }

    /// <summary>Classifies an error carried in a webhook payload or a COMPLETED status (no HTTP status of its own).</summary>
    public static ProviderError FromPayload(JsonNode? detail, string? errorType, string? fallbackMessage) =>
        Classify(422, detail, errorType, timeoutType: null, statusKnown: false, fallbackMessage: fallbackMessage);

    public static bool IsRetryableStatus(HttpStatusCode status) =>
        (int)status is 408 or 409 or 429 or 500 or 502 or 503 or 504;

    private static ProviderError Classify(
        int status,
        JsonNode? body,
        string? errorTypeHeader,
        string? timeoutType,
        bool statusKnown = true,
        string? fallbackMessage = null)
    {
        var detail = body is JsonObject o ? o["detail"] : body;
        var errorType = errorTypeHeader ?? JsonText.String((body as JsonObject)?["error_type"]);

        if (detail is JsonArray items && items.Count > 0)
        {
            var types = items.OfType<JsonObject>().Select(i => JsonText.String(i["type"])).OfType<string>().ToList();
            var message = string.Join("; ", items.OfType<JsonObject>().Select(Describe));
            var code = types.FirstOrDefault() ?? errorType ?? "validation_error";
            var kind = types.Contains("content_policy_violation") ? ProviderErrorKind.ContentPolicy
                : types.Contains("no_media_generated") ? ProviderErrorKind.GenerationFailed
                : ProviderErrorKind.Validation;
            return new ProviderError(kind, code, message.Length > 0 ? message : "The input was refused.");
        }

        var text = JsonText.String(detail) ?? fallbackMessage ?? $"fal.ai answered HTTP {status}.";

        if (errorType is "request_timeout" or "startup_timeout" && string.Equals(timeoutType, "user", StringComparison.OrdinalIgnoreCase)
            || (status == 504 && string.Equals(timeoutType, "user", StringComparison.OrdinalIgnoreCase)))
        {
            return new ProviderError(ProviderErrorKind.StartTimeout, errorType ?? "request_timeout", text);
        }

        if (errorType is not null)
        {
            var byType = errorType switch
            {
                "client_cancelled" => ProviderErrorKind.Cancelled,
                "bad_request" => ProviderErrorKind.Validation,
                "content_policy_violation" => ProviderErrorKind.ContentPolicy,
                "no_media_generated" => ProviderErrorKind.GenerationFailed,
                "request_timeout" or "startup_timeout" or "internal_error" => ProviderErrorKind.Transient,
                _ when errorType.StartsWith("runner_", StringComparison.Ordinal) => ProviderErrorKind.Transient,
                _ => (ProviderErrorKind?)null,
            };
            if (byType is { } kindFromType)
            {
                return new ProviderError(kindFromType, errorType, text);
            }
        }

        if (!statusKnown)
        {
            return new ProviderError(ProviderErrorKind.GenerationFailed, errorType ?? "generation_failed", text);
        }

        var kindFromStatus = status switch
        {
            401 or 403 => ProviderErrorKind.Unauthorized,
            402 => ProviderErrorKind.InsufficientCredits,
            404 => ProviderErrorKind.NotFound,
            422 or 400 => ProviderErrorKind.Validation,
            429 => ProviderErrorKind.RateLimited,
            408 or 409 or >= 500 => ProviderErrorKind.Transient,
            _ => ProviderErrorKind.Unknown,
        };
        return new ProviderError(kindFromStatus, errorType ?? status.ToString(System.Globalization.CultureInfo.InvariantCulture), text);
    }

    private static string Describe(JsonObject item)
    {
        var location = item["loc"] is JsonArray loc ? string.Join('.', loc.Select(l => l?.ToString())) : null;
        var type = item["type"]?.ToString();
        var message = item["msg"]?.ToString();
        return string.Join(": ", new[] { location, type, message }.Where(s => !string.IsNullOrEmpty(s)));
    }

    private static JsonNode? TryParse(string body) => JsonText.TryParse(body);
}
