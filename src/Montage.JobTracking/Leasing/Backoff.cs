namespace Montage.JobTracking.Leasing;

/// <summary>Exponential backoff with "equal jitter": half the delay is fixed, half random, so retries of many jobs spread out.</summary>
internal static class Backoff
{
    public static TimeSpan Delay(int attempt, TimeSpan baseDelay, TimeSpan max, TimeSpan? retryAfter, Random random)
    {
        var exponent = Math.Clamp(attempt - 1, 0, 30);
        var full = Math.Min(max.TotalMilliseconds, baseDelay.TotalMilliseconds * Math.Pow(2, exponent));
        var delay = TimeSpan.FromMilliseconds((full / 2) + (random.NextDouble() * full / 2));
        return retryAfter is { } after && after > delay ? after : delay;
    }
}
