namespace Montage.Grpc.Bench;

/// <summary>
/// One measured run: calls completed, messages received, wall time and per-call latency percentiles, plus the CPU a
/// node client reported for its measured part (zero for the .NET client).
/// </summary>
internal sealed record LoadResult(long Calls, long Messages, double Seconds, double P50Ms, double P99Ms)
{
    /// <summary>CPU of the node client over the measured part; zero for the .NET client.</summary>
    public TimeSpan NodeClientCpu { get; init; }

    public double CallsPerSecond => Calls / Seconds;

    public double MessagesPerSecond => Messages / Seconds;

    public static double Percentile(double[] sorted, double percent) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(percent / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
}
