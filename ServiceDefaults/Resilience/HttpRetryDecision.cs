using System.Net;
using Polly;
using Polly.Timeout;

namespace Montage.ServiceDefaults.Resilience;

/// <summary>Which outcomes are worth another attempt, and for which methods.</summary>
public static class HttpRetryDecision
{
    /// <summary>Methods whose repetition has the same effect as one call (RFC 9110 §9.2.2).</summary>
    public static bool IsIdempotent(HttpMethod method)
    {
        ArgumentNullException.ThrowIfNull(method);
        return method == HttpMethod.Get
            || method == HttpMethod.Head
            || method == HttpMethod.Options
            || method == HttpMethod.Put
            || method == HttpMethod.Delete
            || method == HttpMethod.Trace;
    }

    /// <summary>408, 429 and 5xx: the server may well answer differently next time.</summary>
    public static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    /// <summary>
    /// Transport failures (connection refused or reset) and attempt timeouts are transient;
    /// cancellation by the caller is not.
    /// </summary>
    public static bool IsTransient(Outcome<HttpResponseMessage> outcome) => outcome.Exception switch
    {
        HttpRequestException => true,
        TimeoutRejectedException => true,
        null => outcome.Result is { } response && IsTransient(response.StatusCode),
        _ => false,
    };

    /// <summary>The whole decision: a transient outcome, for a method that may be repeated.</summary>
    public static bool ShouldRetry(HttpMethod method, Outcome<HttpResponseMessage> outcome, bool retryAllMethods) =>
        (retryAllMethods || IsIdempotent(method)) && IsTransient(outcome);
}
