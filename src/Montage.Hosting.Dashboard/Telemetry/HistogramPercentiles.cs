namespace Montage.Hosting.Dashboard.Telemetry;

/// <summary>Estimates a percentile from explicit-bucket histogram counts by linear interpolation inside the bucket.</summary>
public static class HistogramPercentiles
{
    /// <param name="quantile">Between 0 and 1.</param>
    /// <param name="bucketCounts">One more count than bounds: bucket i holds values in (bounds[i-1], bounds[i]].</param>
    /// <param name="bounds">Ascending upper bounds.</param>
    /// <param name="min">Recorded minimum, used as the lower edge of the first bucket when known.</param>
    /// <param name="max">Recorded maximum, used as the upper edge of the overflow bucket when known.</param>
    public static double? Estimate(double quantile, IReadOnlyList<ulong> bucketCounts, IReadOnlyList<double> bounds, double? min, double? max)
    {
        ArgumentNullException.ThrowIfNull(bucketCounts);
        ArgumentNullException.ThrowIfNull(bounds);
        if (bucketCounts.Count == 0 || bucketCounts.Count != bounds.Count + 1)
        {
            return null;
        }

        ulong total = 0;
        foreach (var count in bucketCounts)
        {
            total += count;
        }

        if (total == 0)
        {
            return null;
        }

        var rank = Math.Clamp(quantile, 0, 1) * total;
        double seen = 0;
        for (var i = 0; i < bucketCounts.Count; i++)
        {
            var count = bucketCounts[i];
            if (count == 0 || seen + count < rank)
            {
                seen += count;
                continue;
            }

            var lower = i == 0 ? Math.Min(min ?? 0, bounds.Count > 0 ? bounds[0] : 0) : bounds[i - 1];
            var upper = i < bounds.Count ? bounds[i] : Math.Max(max ?? bounds[^1], bounds[^1]);
            var fraction = (rank - seen) / count;
            var estimate = lower + ((upper - lower) * fraction);
            if (min is { } floor)
            {
                estimate = Math.Max(estimate, floor);
            }

            if (max is { } ceiling)
            {
                estimate = Math.Min(estimate, ceiling);
            }

            return estimate;
        }

        return max;
    }
}
