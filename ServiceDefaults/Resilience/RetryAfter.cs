using System.Net.Http.Headers;

namespace Montage.ServiceDefaults.Resilience;

/// <summary>Reads <c>Retry-After</c> in both of its forms: delay seconds and HTTP date (RFC 9110 §10.2.3).</summary>
public static class RetryAfter
{
    /// <summary>The delay the response asks for, or null when it asks for none.</summary>
    public static TimeSpan? GetDelay(HttpResponseMessage response, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(response);
        return FromHeader(response.Headers.RetryAfter, now);
    }

    /// <summary>Parses a raw header value; null when it is absent or malformed.</summary>
    public static TimeSpan? Parse(string? value, DateTimeOffset now) =>
        RetryConditionHeaderValue.TryParse(value, out var header) ? FromHeader(header, now) : null;

    private static TimeSpan? FromHeader(RetryConditionHeaderValue? header, DateTimeOffset now)
    {
        if (header?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header?.Date is { } date)
        {
            // A date in the past means "now"; clocks of client and server differ.
            var delay = date - now;
            return delay < TimeSpan.Zero ? TimeSpan.Zero : delay;
        }

        return null;
    }
}
