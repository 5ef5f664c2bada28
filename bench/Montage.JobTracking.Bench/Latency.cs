using Google.Protobuf.WellKnownTypes;
using Montage.Clients;
using Montage.Contracts.Jobs.V1;

namespace Montage.JobTracking.Bench;

/// <summary>
/// Dispatch and event latency, one sample at a time on an otherwise idle service. Both are measured against the
/// server's timestamp taken at the START of the transaction that queued the job (job.created_at) or wrote the
/// event (event.time), so they include that transaction's own commit: they are upper bounds.
/// </summary>
internal static class Latency
{
    public const string LeaseKind = "bench.latency";

    /// <summary>A worker is already waiting in Lease; a job is submitted; time until the worker holds it.</summary>
    public static async Task<List<double>> QueuedToLeasedAsync(JobTrackerClient client, int samples)
    {
        var results = new List<double>(samples);
        for (var i = 0; i < samples; i++)
        {
            var lease = new LeaseRequest { WorkerId = "latency-worker", MaxJobs = 1, MaxWait = Duration.FromTimeSpan(TimeSpan.FromSeconds(10)) };
            lease.Kinds.Add(LeaseKind);
            var waiting = client.LeaseAsync(lease);

            // Let the Lease call reach its wait (the table has no job of this kind now).
            await Task.Delay(15);
            await client.SubmitAsync(new SubmitJobRequest { Spec = new JobSpec { Kind = LeaseKind, ModelId = "bench/noop", Owner = "latency", InputJson = $"{{\"n\":{i}}}", NoCache = true } });
            var leased = await waiting;
            var received = DateTime.UtcNow;
            var job = leased.Jobs.Single();
            results.Add((received - job.Job.CreatedAt.ToDateTime()).TotalMilliseconds);
            await client.CompleteAsync(Complete(job));
        }

        return results;
    }

    /// <summary>A Watch follows an owner; jobs change state one at a time; time from the change to the event's arrival.</summary>
    public static async Task<List<double>> EventLatencyAsync(JobTrackerClient client, int samples)
    {
        const string owner = "watch-latency";
        var results = new List<double>(samples);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        using var watch = client.Watch(new WatchRequest { OwnerScope = owner, LiveOnly = true }, cancel.Token);
        var reader = Task.Run(async () =>
        {
            while (results.Count < samples && await watch.ResponseStream.MoveNext(cancel.Token))
            {
                var received = DateTime.UtcNow;
                lock (results)
                {
                    results.Add((received - watch.ResponseStream.Current.Time.ToDateTime()).TotalMilliseconds);
                }
            }
        });

        await Task.Delay(200);
        for (var i = 0; i < samples && !reader.IsCompleted; i++)
        {
            await client.SubmitAsync(new SubmitJobRequest { Spec = new JobSpec { Kind = "bench.watch", ModelId = "bench/noop", Owner = owner, InputJson = $"{{\"n\":{i}}}", NoCache = true } });
            await Task.Delay(5);
        }

        await reader.WaitAsync(TimeSpan.FromMinutes(1));
        await cancel.CancelAsync();
        return results;
    }

    private static CompleteRequest Complete(LeasedJob job)
    {
        var complete = new CompleteRequest { JobId = job.Job.Id, LeaseId = job.LeaseId };
        var outputs = new OutputAssets();
        outputs.AssetIds.Add("asset");
        complete.Outputs.Add("out", outputs);
        return complete;
    }
}
