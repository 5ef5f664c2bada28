using Montage.Contracts.Jobs.V1;
using Montage.Grpc;
using Npgsql;

namespace Montage.JobTracking.Tests;

/// <summary>
/// Group commit: Submit, Checkpoint and Complete calls that arrive together are executed in shared transactions.
/// Each test fires enough concurrent calls that batches form (checked in the table: the rows of one batch share
/// their transaction's timestamp) and checks every caller got exactly its own answer.
/// </summary>
[Collection(JobTrackingCollection.Name)]
public sealed class GroupCommitFunctionalTests(JobTrackingFixture fixture)
{
    private JobTrackerClient Client => fixture.Client;

    [Fact]
    public async Task Concurrent_submits_with_duplicate_keys_in_one_batch_create_one_job_per_key()
    {
        var kind = fixture.NewKind();
        var owner = JobTrackingFixture.NewOwner();
        const int keys = 8;
        const int copies = 15;

        // Per key: many identical submits and one with a different input. Whichever commits first owns the key; every
        // other call with the same spec is deduplicated to it, every call with the other spec is refused.
        var calls = new List<(int Key, bool Odd, Task<SubmitJobResponse> Call)>();
        var specs = Enumerable.Range(0, keys).Select(k => (Usual: KeyedSpec(kind, owner, k, "usual"), Odd: KeyedSpec(kind, owner, k, "odd"))).ToArray();
        var noKey = Enumerable.Range(0, 40).Select(n => Client.SubmitAsync(new SubmitJobRequest { Spec = JobTrackingFixture.Spec(kind, owner, $"{{\"free\":{n}}}") })).ToArray();
        for (var copy = 0; copy < copies; copy++)
        {
            for (var k = 0; k < keys; k++)
            {
                calls.Add((k, false, Client.SubmitAsync(new SubmitJobRequest { Spec = specs[k].Usual })));
                if (copy == copies / 2)
                {
                    calls.Add((k, true, Client.SubmitAsync(new SubmitJobRequest { Spec = specs[k].Odd })));
                }
            }
        }

        await Task.WhenAll(calls.Select(c => c.Call).Cast<Task>().Concat(noKey).Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
        foreach (var group in calls.GroupBy(c => c.Key))
        {
            var succeeded = group.Where(c => c.Call.IsCompletedSuccessfully).ToList();
            Assert.Single(succeeded.Select(c => c.Call.Result.Job.Id).Distinct());
            Assert.Single(succeeded, c => !c.Call.Result.Deduplicated);
            var winnerIsOdd = succeeded.Single(c => !c.Call.Result.Deduplicated).Odd;
            foreach (var call in group)
            {
                if (call.Odd == winnerIsOdd)
                {
                    Assert.True(call.Call.IsCompletedSuccessfully, $"key {group.Key}: a submit with the winner's spec failed: {call.Call.Exception?.InnerException?.Message}");
                }
                else
                {
                    var refused = Assert.IsType<RpcException>(call.Call.Exception?.InnerException);
                    Assert.Equal(StatusCode.AlreadyExists, refused.StatusCode);
                }
            }
        }

        Assert.All(noKey, t => Assert.True(t.IsCompletedSuccessfully));
        Assert.Equal(40, noKey.Select(t => t.Result.Job.Id).Distinct().Count());

        var listed = await Client.ListAsync(new ListJobsRequest { Owner = owner, PageSize = 500 });
        Assert.Equal(keys + 40, listed.Jobs.Count);
        Assert.Equal(keys, listed.Jobs.Count(j => j.IdempotencyKey.Length > 0));

        // Every job has exactly its one job.queued event, and at least one transaction inserted several jobs.
        await using var connection = new NpgsqlConnection(fixture.JobsConnectionString);
        await connection.OpenAsync();
        await using (var events = new NpgsqlCommand("SELECT count(*), count(DISTINCT job_id) FROM job_events WHERE owner = $1 AND type = 'job.queued'", connection))
        {
            events.Parameters.Add(new NpgsqlParameter { Value = owner });
            await using var reader = await events.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal(keys + 40, reader.GetInt64(0));
            Assert.Equal(keys + 40, reader.GetInt64(1));
        }

        Assert.True(await LargestSharedTimestampAsync(connection, "created_at", owner) > 1, "no two submits were committed in one batch");
        await CancelAllAsync(owner);
    }

    [Fact]
    public async Task A_batch_of_completes_answers_each_caller_and_refuses_only_the_lost_lease()
    {
        var kind = fixture.NewKind();
        var owner = JobTrackingFixture.NewOwner();
        const int count = 40;
        await Task.WhenAll(Enumerable.Range(0, count).Select(n => Client.SubmitAsync(new SubmitJobRequest { Spec = JobTrackingFixture.Spec(kind, owner, $"{{\"n\":{n}}}") })));
        var worker = new TestWorker(Client, kind);
        var leased = new List<LeasedJob>();
        while (leased.Count < count)
        {
            leased.AddRange(await worker.LeaseAsync(count - leased.Count, TimeSpan.FromSeconds(10)));
        }

        // One more job whose lease is lost: it expires, housekeeping requeues the job and another worker leases it.
        var extra = await Client.SubmitAsync(new SubmitJobRequest { Spec = JobTrackingFixture.Spec(kind, owner, "{\"lost\":true}") });
        var stale = await new TestWorker(Client, kind).LeaseOneAsync(TimeSpan.FromSeconds(10), leaseDuration: TimeSpan.FromSeconds(1));
        Assert.NotNull(stale);
        Assert.Equal(extra.Job.Id, stale.Job.Id);
        LeasedJob? current = null;
        var other = new TestWorker(Client, kind);
        for (var tries = 0; current is null && tries < 60; tries++)
        {
            current = await other.LeaseOneAsync(TimeSpan.FromSeconds(2));
        }

        Assert.NotNull(current);
        Assert.Equal(stale.Job.Id, current.Job.Id);
        Assert.NotEqual(stale.LeaseId, current.LeaseId);

        // All at once: the valid completions (one of them twice, as a retry would), the lost lease, an unknown job.
        var valid = leased;
        var completes = valid.Select(j => Client.CompleteAsync(CompleteOf(j))).ToList();
        var repeat = Client.CompleteAsync(CompleteOf(valid[3]));
        var staleComplete = Client.CompleteAsync(CompleteOf(stale));
        var unknown = Client.CompleteAsync(new CompleteRequest { JobId = Guid.NewGuid().ToString(), LeaseId = Guid.NewGuid().ToString() });
        await Task.WhenAll(completes.Cast<Task>().Append(repeat).Append(staleComplete).Append(unknown).Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));

        foreach (var complete in completes)
        {
            Assert.Equal(JobState.Succeeded, (await complete).State);
        }

        Assert.Equal(JobState.Succeeded, (await repeat).State);
        Assert.Equal(StatusCode.FailedPrecondition, Assert.IsType<RpcException>(staleComplete.Exception?.InnerException).StatusCode);
        Assert.Equal(StatusCode.NotFound, Assert.IsType<RpcException>(unknown.Exception?.InnerException).StatusCode);

        // The re-leased job is untouched and still completes under its current lease.
        var job = await Client.GetAsync(new GetJobRequest { JobId = current.Job.Id });
        Assert.Equal(JobState.Running, job.State);
        Assert.Equal(JobState.Succeeded, (await Client.CompleteAsync(CompleteOf(current))).State);

        // One job.succeeded event per job, and the completions shared transactions.
        await using var connection = new NpgsqlConnection(fixture.JobsConnectionString);
        await connection.OpenAsync();
        await using (var events = new NpgsqlCommand("SELECT count(*), count(DISTINCT job_id) FROM job_events WHERE owner = $1 AND type = 'job.succeeded'", connection))
        {
            events.Parameters.Add(new NpgsqlParameter { Value = owner });
            await using var reader = await events.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal(count + 1, reader.GetInt64(0));
            Assert.Equal(count + 1, reader.GetInt64(1));
        }

        Assert.True(await LargestSharedTimestampAsync(connection, "finished_at", owner) > 1, "no two completes were committed in one batch");
    }

    [Fact]
    public async Task A_batch_of_checkpoints_refuses_a_request_id_another_job_holds_and_records_the_others()
    {
        var kind = fixture.NewKind();
        var owner = JobTrackingFixture.NewOwner();
        const int count = 30;
        await Task.WhenAll(Enumerable.Range(0, count).Select(n => Client.SubmitAsync(new SubmitJobRequest { Spec = JobTrackingFixture.Spec(kind, owner, $"{{\"n\":{n}}}") })));
        var worker = new TestWorker(Client, kind);
        var leased = new List<LeasedJob>();
        while (leased.Count < count)
        {
            leased.AddRange(await worker.LeaseAsync(count - leased.Count, TimeSpan.FromSeconds(10)));
        }

        // The last job claims the first job's provider request id in the same burst: one of the two is refused.
        var calls = leased.Select((j, i) => Client.CheckpointAsync(new CheckpointRequest
        {
            JobId = j.Job.Id,
            LeaseId = j.LeaseId,
            Provider = "fal",
            RequestId = owner + "-req-" + (i == count - 1 ? 0 : i),
        })).ToList();
        await Task.WhenAll(calls.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));

        var refused = calls.Where(c => !c.IsCompletedSuccessfully).ToList();
        var failure = Assert.IsType<RpcException>(Assert.Single(refused).Exception?.InnerException);
        Assert.Equal(StatusCode.FailedPrecondition, failure.StatusCode);
        Assert.Contains("already belongs to another job", failure.Message, StringComparison.Ordinal);
        Assert.True(calls[0].IsCompletedSuccessfully || calls[^1].IsCompletedSuccessfully);
        for (var i = 1; i < count - 1; i++)
        {
            Assert.Equal(owner + "-req-" + i, (await calls[i]).Checkpoint.RequestId);
            Assert.Equal(owner + "-req-" + i, (await Client.GetAsync(new GetJobRequest { JobId = leased[i].Job.Id })).ProviderCheckpoint.RequestId);
        }

        foreach (var job in leased)
        {
            await Client.CompleteAsync(CompleteOf(job));
        }
    }

    [Fact]
    public async Task A_burst_of_500_watch_calls_all_get_their_replay()
    {
        var kind = fixture.NewKind();
        var owner = JobTrackingFixture.NewOwner();
        const int jobs = 25;
        var submitted = await Task.WhenAll(Enumerable.Range(0, jobs).Select(n => Client.SubmitAsync(new SubmitJobRequest { Spec = JobTrackingFixture.Spec(kind, owner, $"{{\"n\":{n}}}") })));
        var worker = new TestWorker(Client, kind);
        var leased = new List<LeasedJob>();
        while (leased.Count < jobs)
        {
            leased.AddRange(await worker.LeaseAsync(jobs - leased.Count, TimeSpan.FromSeconds(10)));
        }

        foreach (var job in leased)
        {
            await Client.CompleteAsync(CompleteOf(job));
        }

        // 20 Watch calls per job, all opened at once; each replays queued, running, succeeded and ends.
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var watches = Enumerable.Range(0, 500).Select(n => Task.Run(async () =>
        {
            var jobId = submitted[n % jobs].Job.Id;
            using var call = Client.Watch(new WatchRequest { JobId = jobId }, timeout.Token);
            var types = new List<string>();
            while (await call.ResponseStream.MoveNext(timeout.Token))
            {
                Assert.Equal(jobId, call.ResponseStream.Current.JobId);
                types.Add(call.ResponseStream.Current.Type);
            }

            return types;
        })).ToList();
        var replays = await Task.WhenAll(watches);
        Assert.All(replays, types => Assert.Equal(["job.queued", "job.running", "job.succeeded"], types));
    }

    private static JobSpec KeyedSpec(string kind, string owner, int key, string variant)
    {
        var spec = JobTrackingFixture.Spec(kind, owner, $"{{\"key\":{key},\"variant\":\"{variant}\"}}");
        spec.IdempotencyKey = "batch-key-" + key;
        return spec;
    }

    private static CompleteRequest CompleteOf(LeasedJob job)
    {
        var complete = new CompleteRequest { JobId = job.Job.Id, LeaseId = job.LeaseId };
        var outputs = new OutputAssets();
        outputs.AssetIds.Add("asset-" + job.Job.Id);
        complete.Outputs.Add("image", outputs);
        return complete;
    }

    /// <summary>The most jobs of the owner sharing one value of a timestamp the service sets from its transaction's clock.</summary>
    private static async Task<long> LargestSharedTimestampAsync(NpgsqlConnection connection, string column, string owner)
    {
        await using var command = new NpgsqlCommand($"SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM jobs WHERE owner = $1 AND {column} IS NOT NULL GROUP BY {column}) t", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = owner });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task CancelAllAsync(string owner)
    {
        foreach (var job in (await Client.ListAsync(new ListJobsRequest { Owner = owner, PageSize = 500 })).Jobs.Where(j => j.State == JobState.Queued))
        {
            await Client.CancelAsync(new CancelJobRequest { JobId = job.Id, Owner = owner });
        }
    }
}
