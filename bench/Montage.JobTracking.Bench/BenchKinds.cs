namespace Montage.JobTracking.Bench;

/// <summary>The job kinds the benchmark uses; the service must know them (JobTracking__Kinds__N).</summary>
internal static class BenchKinds
{
    public static readonly string[] All = ["image.generate", ServiceCycle.Kind, Latency.LeaseKind, "bench.watch"];
}
