using Montage.Contracts.Jobs.V1;
using Montage.Grpc;

namespace Montage.JobTracking.Tests;

/// <summary>Watch: replay then live, resumable by sequence, per owner and production.</summary>
[Collection(JobTrackingCollection.Name)]
public sealed class WatchFunctionalTests(JobTrackingFixture fixture)
{
    private JobTrackerClient Client => fixture.Client;

    [Fact]
    public async Task Owner_stream_replays_then_follows_live_and_resumes_after_a_sequence()
    {
        var kind = fixture.NewKind();
        var owner = JobTrackingFixture.NewOwner();
        var jobs = new List<Job>();
        for (var i = 0; i < 3; i++)
        {
            jobs.Add((await Client.SubmitAsync(new SubmitJobRequest { Spec = JobTrackingFixture.Spec(kind, owner, $"{{\"n\":{i}}}") })).Job);
        }

        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        using (var watch = Client.Watch(new WatchRequest { OwnerScope = owner, Owner = owner }, cancel.Token))
        {
            var replayed = new List<JobEvent>();
            for (var i = 0; i < 3; i++)
            {
                Assert.True(await watch.ResponseStream.MoveNext(cancel.Token));
                replayed.Add(watch.ResponseStream.Current);
            }

            Assert.Equal(jobs.Select(j => j.Id), replayed.Select(e => e.JobId));
            Assert.All(replayed, e => Assert.Equal("job.queued", e.Type));

            var live = (await Client.SubmitAsync(new SubmitJobRequest { Spec = JobTrackingFixture.Spec(kind, owner, "{\"n\":3}") })).Job;
            Assert.True(await watch.ResponseStream.MoveNext(cancel.Token));
            Assert.Equal(live.Id, watch.ResponseStream.Current.JobId);
            Assert.Equal(live.LastEventSequence, watch.ResponseStream.Current.Sequence);
        }

        using var resumed = Client.Watch(new WatchRequest { OwnerScope = owner, AfterSequence = jobs[1].LastEventSequence }, cancel.Token);
        Assert.True(await resumed.ResponseStream.MoveNext(cancel.Token));
        Assert.Equal(jobs[2].Id, resumed.ResponseStream.Current.JobId);
        Assert.Equal(jobs[2].LastEventSequence, resumed.ResponseStream.Current.Sequence);
    }

    [Fact]
    public async Task Production_stream_carries_only_that_productions_jobs()
    {
        var kind = fixture.NewKind();
        var owner = JobTrackingFixture.NewOwner();
        var inProduction = JobTrackingFixture.Spec(kind, owner);
        inProduction.ProductionId = "prod-" + owner;
        var elsewhere = JobTrackingFixture.Spec(kind, owner, "{\"x\":1}");
        await Client.SubmitAsync(new SubmitJobRequest { Spec = elsewhere });
        var job = (await Client.SubmitAsync(new SubmitJobRequest { Spec = inProduction })).Job;

        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        using var watch = Client.Watch(new WatchRequest { ProductionId = inProduction.ProductionId, Owner = owner }, cancel.Token);
        Assert.True(await watch.ResponseStream.MoveNext(cancel.Token));
        Assert.Equal(job.Id, watch.ResponseStream.Current.JobId);
        Assert.Equal(inProduction.ProductionId, watch.ResponseStream.Current.ProductionId);
    }

    [Fact]
    public async Task Watch_of_unknown_job_is_not_found_and_no_scope_is_invalid()
    {
        using var unknown = Client.Watch(new WatchRequest { JobId = Guid.NewGuid().ToString() });
        await RpcAssert.FailsWith(StatusCode.NotFound, () => unknown.ResponseStream.MoveNext(CancellationToken.None));
        using var noScope = Client.Watch(new WatchRequest());
        await RpcAssert.FailsWith(StatusCode.InvalidArgument, () => noScope.ResponseStream.MoveNext(CancellationToken.None), "scope is required");
    }
}
