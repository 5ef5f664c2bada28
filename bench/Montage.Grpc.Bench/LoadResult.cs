namespace Montage.Grpc.Bench;

/// <summary>One measured run: calls completed, messages received, wall time and per-call latency percentiles.</summary>
internal sealed record LoadResult(long Calls, long Messages, double Seconds, double P50Ms, double P99Ms)
{
    /// <summary>CPU time of this process per call (client and in-process server); null for the node peers.</summary>
    public double? CpuMicrosPerCall { get; init; }

    /// <summary>Bytes allocated in this process per call; null for the node peers.</summary>
    public double? BytesPerCall { get; init; }

    public double CallsPerSecond => Calls / Seconds;

    public double MessagesPerSecond => Messages / Seconds;

    public static double Percentile(double[] sorted, double percent) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(percent / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
}
