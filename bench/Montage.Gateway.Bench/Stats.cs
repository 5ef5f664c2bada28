using System.Globalization;

namespace Montage.Gateway.Bench;

internal static class Stats
{
    public static double Percentile(IReadOnlyList<double> samples, double p)
    {
        if (samples.Count == 0)
        {
            return double.NaN;
        }

        var sorted = samples.Order().ToList();
        var index = (int)Math.Ceiling(p / 100 * sorted.Count) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Count - 1)];
    }

    public static string Ms(double value) => double.IsNaN(value) ? "n/a" : value.ToString("0.00", CultureInfo.InvariantCulture);

    public static string Rate(double value) => value.ToString("#,0", CultureInfo.InvariantCulture);

    public static string Ratio(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary>The machine is shared: the load says how much of it the run had.</summary>
    public static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
