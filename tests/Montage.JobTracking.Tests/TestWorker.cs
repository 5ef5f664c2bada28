using Google.Protobuf.WellKnownTypes;
using Montage.Contracts.Jobs.V1;
using Montage.Grpc;

namespace Montage.JobTracking.Tests;

/// <summary>What a generation worker does with the tracker, in small steps tests can interleave.</summary>
public sealed class TestWorker(JobTrackerClient client, string kind, string? id = null)
{
    // Jobs leased while looking for another one: the worker holds them, and a later LeaseJobAsync finds them here.
    private readonly Dictionary<string, LeasedJob> _held = [];

    public string Id { get; } = id ?? "worker-" + Guid.NewGuid().ToString("N")[..8];

    public async Task<LeasedJob?> LeaseOneAsync(TimeSpan? maxWait = null, TimeSpan? leaseDuration = null)
    {
        var leased = await LeaseAsync(1, maxWait, leaseDuration);
        return leased.Count == 0 ? null : leased[0];
    }

    public async Task<IReadOnlyList<LeasedJob>> LeaseAsync(int maxJobs, TimeSpan? maxWait = null, TimeSpan? leaseDuration = null)
    {
        var request = new LeaseRequest
        {
            WorkerId = Id,
            MaxJobs = maxJobs,
            MaxWait = Duration.FromTimeSpan(maxWait ?? TimeSpan.Zero),
            LeaseDuration = Duration.FromTimeSpan(leaseDuration ?? TimeSpan.FromSeconds(60)),
        };
        request.Kinds.Add(kind);
        var response = await client.LeaseAsync(request);
        return response.Jobs;
    }

    /// <summary>Leases until the job with this id comes up (others of the kind are left leased).</summary>
    public async Task<LeasedJob> LeaseJobAsync(string jobId)
    {
        if (_held.Remove(jobId, out var held))
        {
            return held;
        }

        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (DateTime.UtcNow < deadline)
        {
            var leased = await LeaseOneAsync(TimeSpan.FromSeconds(5));
            if (leased?.Job.Id == jobId)
            {
                return leased;
            }

            if (leased is not null)
            {
                _held[leased.Job.Id] = leased;
            }
        }

        throw new TimeoutException($"job {jobId} was not leased within a minute");
    }

    public Task<Job> CompleteAsync(LeasedJob leased, string output = "images", params string[] assetIds)
    {
        var request = new CompleteRequest { JobId = leased.Job.Id, LeaseId = leased.LeaseId, ActualCostMicros = 1000 };
        var assets = new OutputAssets();
        assets.AssetIds.AddRange(assetIds.Length == 0 ? ["asset-" + leased.Job.Id] : assetIds);
        request.Outputs.Add(output, assets);
        return client.CompleteAsync(request);
    }

    public Task<Job> FailAsync(LeasedJob leased, string code, bool retryable) =>
        client.FailAsync(new FailRequest
        {
            JobId = leased.Job.Id,
            LeaseId = leased.LeaseId,
            Error = new JobError { Code = code, Message = "provider said no", Retryable = retryable },
        });

    public Task<CheckpointResponse> CheckpointAsync(LeasedJob leased, string requestId, string provider = "fal", string status = "IN_QUEUE") =>
        client.CheckpointAsync(new CheckpointRequest { JobId = leased.Job.Id, LeaseId = leased.LeaseId, Provider = provider, RequestId = requestId, ProviderStatus = status });

    public Task<HeartbeatResponse> HeartbeatAsync(LeasedJob leased) =>
        client.HeartbeatAsync(new HeartbeatRequest { JobId = leased.Job.Id, LeaseId = leased.LeaseId });
}

public static class RpcAssert
{
    public static async Task<RpcException> FailsWith(StatusCode code, Func<Task> call, string? messageContains = null)
    {
        var exception = await Assert.ThrowsAsync<RpcException>(call);
        Assert.Equal(code, exception.StatusCode);
        if (messageContains is not null)
        {
            Assert.Contains(messageContains, exception.Status.Detail, StringComparison.OrdinalIgnoreCase);
        }

        return exception;
    }

    /// <summary>Polls until the condition holds; for state reached by housekeeping (no timing is asserted).</summary>
    public static async Task<Job> EventuallyAsync(JobTrackerClient client, string jobId, Func<Job, bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromMinutes(1));
        while (true)
        {
            var job = await client.GetAsync(new GetJobRequest { JobId = jobId });
            if (condition(job))
            {
                return job;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"job {jobId} did not reach the expected state; it is {job.State}");
            }

            await Task.Delay(100);
        }
    }
}
