using Google.Protobuf.WellKnownTypes;
using Montage.Contracts.Jobs.V1;

namespace Montage.JobTracking.Tests;

/// <summary>Lease: long-poll wake-up, concurrency caps and owner fairness with several workers at once.</summary>
[Collection(JobTrackingCollection.Name)]
public sealed class LeasingFunctionalTests(JobTrackingFixture fixture)
{
    private JobTrackerClient Client => fixture.Client;

    [Fact]
    public async Task A_waiting_lease_returns_the_job_queued_while_it_waits()
    {
        var kind = fixture.NewKind();
        var worker = new TestWorker(Client, kind);
        var waiting = worker.LeaseOneAsync(TimeSpan.FromSeconds(50));
        await Task.Delay(300);
        Assert.False(waiting.IsCompleted);

        var job = (await Client.SubmitAsync(new SubmitJobRequest { Spec = JobTrackingFixture.Spec(kind, JobTrackingFixture.NewOwner()) })).Job;
        var leased = await waiting;
        Assert.NotNull(leased);
        Assert.Equal(job.Id, leased.Job.Id);
    }

    [Fact]
    public async Task An_empty_lease_returns_nothing_after_max_wait()
    {
        var worker = new TestWorker(Client, fixture.NewKind());
        Assert.Empty(await worker.LeaseAsync(5, TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public async Task Model_cap_holds_across_concurrent_workers_and_frees_a_slot_on_completion()
    {
        var kind = fixture.NewKind();
        var owner = JobTrackingFixture.NewOwner();
        for (var i = 0; i < 6; i++)
        {
            await Client.SubmitAsync(new SubmitJobRequest { Spec = JobTrackingFixture.Spec(kind, owner, $"{{\"n\":{i}}}", "capped-model") });
        }

        var workers = Enumerable.Range(0, 4).Select(_ => new TestWorker(Client, kind)).ToList();
        var results = await Task.WhenAll(workers.Select(w => w.LeaseAsync(5, TimeSpan.FromMilliseconds(500))));
        var leased = results.SelectMany(r => r).ToList();
        Assert.Equal(2, leased.Count);
        Assert.Equal(2, leased.Select(l => l.Job.Id).Distinct().Count());

        await workers[0].CompleteAsync(leased[0]);
        var next = await workers[1].LeaseAsync(5, TimeSpan.FromSeconds(5));
        Assert.Single(next);
        Assert.Empty(await workers[2].LeaseAsync(5, TimeSpan.FromMilliseconds(300)));
    }

    [Fact]
    public async Task Provider_cap_counts_every_model_of_the_provider()
    {
        var kind = fixture.NewKind();
        var owner = JobTrackingFixture.NewOwner();
        for (var i = 0; i < 3; i++)
        {
            await Client.SubmitAsync(new SubmitJobRequest { Spec = JobTrackingFixture.Spec(kind, owner, $"{{\"n\":{i}}}", "shared-a") });
            await Client.SubmitAsync(new SubmitJobRequest { Spec = JobTrackingFixture.Spec(kind, owner, $"{{\"n\":{i}}}", "shared-b") });
        }

        var workers = Enumerable.Range(0, 3).Select(_ => new TestWorker(Client, kind)).ToList();
        var leased = (await Task.WhenAll(workers.Select(w => w.LeaseAsync(4, TimeSpan.FromMilliseconds(500))))).SelectMany(r => r).ToList();
        Assert.Equal(3, leased.Count);
    }

    [Fact]
    public async Task One_owners_backlog_does_not_starve_another_owner()
    {
        var kind = fixture.NewKind();
        var busy = JobTrackingFixture.NewOwner();
        var small = JobTrackingFixture.NewOwner();
        for (var i = 0; i < 30; i++)
        {
            await Client.SubmitAsync(new SubmitJobRequest { Spec = JobTrackingFixture.Spec(kind, busy, $"{{\"n\":{i}}}") });
        }

        for (var i = 0; i < 3; i++)
        {
            await Client.SubmitAsync(new SubmitJobRequest { Spec = JobTrackingFixture.Spec(kind, small, $"{{\"n\":{i}}}") });
        }

        // Jobs are held (running), as real work would: the owner with fewer running jobs goes first.
        var worker = new TestWorker(Client, kind);
        var firstSix = new List<LeasedJob>();
        for (var i = 0; i < 6; i++)
        {
            firstSix.Add((await worker.LeaseOneAsync(TimeSpan.FromSeconds(5)))!);
        }

        Assert.Equal(3, firstSix.Count(l => l.Job.Owner == small));

        // A batch lease interleaves owners too.
        var other = JobTrackingFixture.NewOwner();
        await Client.SubmitAsync(new SubmitJobRequest { Spec = JobTrackingFixture.Spec(kind, other, "{\"n\":0}") });
        var batch = await worker.LeaseAsync(4, TimeSpan.FromSeconds(5));
        Assert.Contains(batch, l => l.Job.Owner == other);
    }

    [Fact]
    public async Task Many_workers_leasing_concurrently_never_get_the_same_job()
    {
        var kind = fixture.NewKind();
        var owner = JobTrackingFixture.NewOwner();
        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Client.SubmitAsync(new SubmitJobRequest { Spec = JobTrackingFixture.Spec(kind, owner, $"{{\"n\":{i}}}") })));
        var workers = Enumerable.Range(0, 8).Select(_ => new TestWorker(Client, kind)).ToList();
        var all = new List<LeasedJob>();
        await Task.WhenAll(workers.Select(async w =>
        {
            while (true)
            {
                var got = await w.LeaseAsync(3, TimeSpan.FromMilliseconds(300));
                if (got.Count == 0)
                {
                    return;
                }

                lock (all)
                {
                    all.AddRange(got);
                }
            }
        }));

        Assert.Equal(40, all.Count);
        Assert.Equal(40, all.Select(l => l.Job.Id).Distinct().Count());
    }

    [Fact]
    public async Task Provider_webhook_is_kept_until_checkpoint_then_reaches_the_lease_holder_once()
    {
        var kind = fixture.NewKind();
        var job = (await Client.SubmitAsync(new SubmitJobRequest { Spec = JobTrackingFixture.Spec(kind, JobTrackingFixture.NewOwner()) })).Job;
        var worker = new TestWorker(Client, kind);
        var leased = await worker.LeaseJobAsync(job.Id);
        var requestId = "fal-" + job.Id;

        // The webhook outran the checkpoint.
        var early = await Client.DeliverProviderEventAsync(new DeliverProviderEventRequest { Provider = "fal", RequestId = requestId, Outcome = "progress", PayloadJson = "{\"logs\":[]}" });
        Assert.False(early.Matched);

        await worker.CheckpointAsync(leased, requestId);
        var heartbeat = await worker.HeartbeatAsync(leased);
        Assert.Equal("progress", Assert.Single(heartbeat.ProviderEvents).Outcome);

        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        using var watch = Client.Watch(new WatchRequest { JobId = job.Id, LiveOnly = true }, cancel.Token);
        var delivered = await Client.DeliverProviderEventAsync(new DeliverProviderEventRequest
        {
            Provider = "fal", RequestId = requestId, Outcome = "succeeded", PayloadJson = "{\"status\":\"OK\"}", ReceivedAt = Timestamp.FromDateTime(DateTime.UtcNow),
        });
        Assert.True(delivered.Matched);
        Assert.Equal(job.Id, delivered.JobId);
        Assert.False(delivered.Duplicate);
        Assert.True(await watch.ResponseStream.MoveNext(cancel.Token));
        Assert.Equal("job.provider_event", watch.ResponseStream.Current.Type);
        Assert.Equal("succeeded", watch.ResponseStream.Current.ProviderEvent.Outcome);

        var repeat = await Client.DeliverProviderEventAsync(new DeliverProviderEventRequest { Provider = "fal", RequestId = requestId, Outcome = "succeeded", PayloadJson = "{\"status\":\"OK\"}" });
        Assert.True(repeat.Duplicate);
        Assert.Equal(2, (await worker.HeartbeatAsync(leased)).ProviderEvents.Count);
    }
}
