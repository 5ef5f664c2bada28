using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using Montage.Clients;
using Montage.Contracts.Jobs.V1;

namespace Montage.JobTracking.Bench;

/// <summary>The full cycle through the service: Submit -> Lease -> Checkpoint -> Complete, no-op work, many clients.</summary>
internal static class ServiceCycle
{
    public const string Kind = "bench.cycle";

    /// <summary>Mean milliseconds per RPC of one client running the cycle alone: where the time goes.</summary>
    public static async Task<string> ProfileAsync(JobTrackerClient client, int cycles)
    {
        var totals = new double[4];
        for (var n = 0; n < cycles; n++)
        {
            var t = Stopwatch.GetTimestamp();
            await client.SubmitAsync(new SubmitJobRequest { Spec = new JobSpec { Kind = Kind, ModelId = "bench/noop", Owner = "profile", InputJson = $"{{\"p\":{n}}}", NoCache = true } });
            totals[0] += Stopwatch.GetElapsedTime(t).TotalMilliseconds;
            t = Stopwatch.GetTimestamp();
            var lease = new LeaseRequest { WorkerId = "profile", MaxJobs = 1, MaxWait = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)) };
            lease.Kinds.Add(Kind);
            var job = (await client.LeaseAsync(lease)).Jobs.Single();
            totals[1] += Stopwatch.GetElapsedTime(t).TotalMilliseconds;
            t = Stopwatch.GetTimestamp();
            await client.CheckpointAsync(new CheckpointRequest { JobId = job.Job.Id, LeaseId = job.LeaseId, Provider = "bench", RequestId = "p-" + job.Job.Id });
            totals[2] += Stopwatch.GetElapsedTime(t).TotalMilliseconds;
            t = Stopwatch.GetTimestamp();
            var complete = new CompleteRequest { JobId = job.Job.Id, LeaseId = job.LeaseId };
            var outputs = new OutputAssets();
            outputs.AssetIds.Add("asset");
            complete.Outputs.Add("out", outputs);
            await client.CompleteAsync(complete);
            totals[3] += Stopwatch.GetElapsedTime(t).TotalMilliseconds;
        }

        var read = Stopwatch.GetTimestamp();
        for (var n = 0; n < cycles; n++)
        {
            await client.ListAsync(new ListJobsRequest { Owner = "nobody", PageSize = 1 });
        }

        var listMs = Stopwatch.GetElapsedTime(read).TotalMilliseconds / cycles;
        return string.Join(", ", new[] { "Submit", "Lease", "Checkpoint", "Complete" }.Select((name, i) => $"{name} {totals[i] / cycles:0.0} ms")) + $", List (read only) {listMs:0.0} ms";
    }

    /// <summary>Runs the cycle in short slices until <paramref name="jobs"/> jobs are done or <paramref name="limit"/> has passed.</summary>
    public static async Task<long> WarmUpAsync(JobTrackerClient client, int clients, long jobs, TimeSpan limit)
    {
        long done = 0;
        var started = Stopwatch.GetTimestamp();
        while (done < jobs && Stopwatch.GetElapsedTime(started) < limit)
        {
            done += (await RunAsync(client, clients, TimeSpan.FromSeconds(3)).ConfigureAwait(false)).Jobs;
        }

        return done;
    }

    public static async Task<(double JobsPerSecond, long Jobs)> RunAsync(JobTrackerClient client, int clients, TimeSpan duration)
    {
        long jobs = 0;
        var stopAt = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            var owner = "bench-owner-" + c;
            var worker = "bench-worker-" + c;
            var n = 0;
            while (Stopwatch.GetTimestamp() < stopAt)
            {
                await client.SubmitAsync(new SubmitJobRequest { Spec = new JobSpec { Kind = Kind, ModelId = "bench/noop", Owner = owner, InputJson = $"{{\"c\":{c},\"n\":{n++}}}", NoCache = true } });
                var lease = new LeaseRequest { WorkerId = worker, MaxJobs = 1, MaxWait = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)) };
                lease.Kinds.Add(Kind);
                var leased = await client.LeaseAsync(lease);
                foreach (var job in leased.Jobs)
                {
                    await client.CheckpointAsync(new CheckpointRequest { JobId = job.Job.Id, LeaseId = job.LeaseId, Provider = "bench", RequestId = "r-" + job.Job.Id });
                    var complete = new CompleteRequest { JobId = job.Job.Id, LeaseId = job.LeaseId };
                    var outputs = new OutputAssets();
                    outputs.AssetIds.Add("asset");
                    complete.Outputs.Add("out", outputs);
                    await client.CompleteAsync(complete);
                    Interlocked.Increment(ref jobs);
                }
            }
        }))).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return (jobs / elapsed, jobs);
    }
}
