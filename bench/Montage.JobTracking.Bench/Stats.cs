using System.Globalization;

namespace Montage.JobTracking.Bench;

internal static class Stats
{
    public static double Percentile(List<double> samples, double p)
    {
        if (samples.Count == 0)
        {
            return double.NaN;
        }

        var sorted = samples.OrderBy(s => s).ToList();
        var index = (int)Math.Ceiling(p / 100 * sorted.Count) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Count - 1)];
    }

    public static string Ms(double value) => value.ToString("0.00", CultureInfo.InvariantCulture) + " ms";

    public static string Rate(double value) => value.ToString("#,0", CultureInfo.InvariantCulture);
}
