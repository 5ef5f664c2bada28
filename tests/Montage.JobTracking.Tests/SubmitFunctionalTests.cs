using Montage.Contracts.Jobs.V1;
using Montage.Grpc;

namespace Montage.JobTracking.Tests;

/// <summary>Submit: idempotency, content-hash cache and input validation.</summary>
[Collection(JobTrackingCollection.Name)]
public sealed class SubmitFunctionalTests(JobTrackingFixture fixture)
{
    private JobTrackerClient Client => fixture.Client;

    [Fact]
    public async Task Same_idempotency_key_returns_the_same_job_and_a_different_spec_is_refused()
    {
        var spec = JobTrackingFixture.Spec(fixture.NewKind(), JobTrackingFixture.NewOwner());
        spec.IdempotencyKey = "key-1";
        var first = await Client.SubmitAsync(new SubmitJobRequest { Spec = spec });
        Assert.False(first.Deduplicated);

        var repeat = await Client.SubmitAsync(new SubmitJobRequest { Spec = spec });
        Assert.True(repeat.Deduplicated);
        Assert.Equal(first.Job.Id, repeat.Job.Id);

        var changed = spec.Clone();
        changed.InputJson = "{\"prompt\":\"a dog\"}";
        await RpcAssert.FailsWith(StatusCode.AlreadyExists, () => Client.SubmitAsync(new SubmitJobRequest { Spec = changed }), "different spec");

        // The key is per owner: another owner may use it.
        var other = spec.Clone();
        other.Owner = JobTrackingFixture.NewOwner();
        Assert.NotEqual(first.Job.Id, (await Client.SubmitAsync(new SubmitJobRequest { Spec = other })).Job.Id);
    }

    [Fact]
    public async Task A_catalog_model_gets_the_catalog_timeout_and_an_explicit_timeout_wins()
    {
        var owner = JobTrackingFixture.NewOwner();
        var kling = JobTrackingFixture.Spec("video.animate", owner, "{\"prompt\":\"pan\"}", "fal-ai/kling-video/v2.1/pro/image-to-video");
        Assert.Equal(TimeSpan.FromMinutes(10), (await Client.SubmitAsync(new SubmitJobRequest { Spec = kling })).Job.Timeout.ToTimeSpan());

        var assemble = JobTrackingFixture.Spec("video.assemble", owner, "{\"clips\":[]}", "local/assemble");
        assemble.Timeout = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromMinutes(3));
        Assert.Equal(TimeSpan.FromMinutes(3), (await Client.SubmitAsync(new SubmitJobRequest { Spec = assemble })).Job.Timeout.ToTimeSpan());

        // Not cached, so it stays queued; cancel it so no worker of these kinds sees it.
        foreach (var job in (await Client.ListAsync(new ListJobsRequest { Owner = owner })).Jobs)
        {
            await Client.CancelAsync(new CancelJobRequest { JobId = job.Id, Owner = owner });
        }
    }

    [Fact]
    public async Task Concurrent_submits_with_one_key_create_one_job()
    {
        var spec = JobTrackingFixture.Spec(fixture.NewKind(), JobTrackingFixture.NewOwner());
        spec.IdempotencyKey = "race";
        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => Client.SubmitAsync(new SubmitJobRequest { Spec = spec })));
        Assert.Single(results.Select(r => r.Job.Id).Distinct());
        Assert.Single(results, r => !r.Deduplicated);
        var listed = await Client.ListAsync(new ListJobsRequest { Owner = spec.Owner });
        Assert.Single(listed.Jobs);
    }

    [Fact]
    public async Task Identical_job_reuses_outputs_of_a_succeeded_one_at_zero_cost_unless_opted_out()
    {
        var kind = fixture.NewKind();
        var owner = JobTrackingFixture.NewOwner();
        var original = (await Client.SubmitAsync(new SubmitJobRequest { Spec = JobTrackingFixture.Spec(kind, owner, "{\"prompt\":\"castle\",\"seed\":7}") })).Job;
        var worker = new TestWorker(Client, kind);
        await worker.CompleteAsync(await worker.LeaseJobAsync(original.Id), "images", "castle-asset");

        // Same content written differently (key order, spacing) hits the cache.
        var cached = (await Client.SubmitAsync(new SubmitJobRequest { Spec = JobTrackingFixture.Spec(kind, owner, "{ \"seed\": 7, \"prompt\": \"castle\" }") })).Job;
        Assert.Equal(JobState.Succeeded, cached.State);
        Assert.Equal(original.Id, cached.CachedFromJobId);
        Assert.Equal(0, cached.ActualCostMicros);
        Assert.Equal(["castle-asset"], cached.Outputs["images"].AssetIds);

        var optedOut = JobTrackingFixture.Spec(kind, owner, "{\"prompt\":\"castle\",\"seed\":7}");
        optedOut.NoCache = true;
        Assert.Equal(JobState.Queued, (await Client.SubmitAsync(new SubmitJobRequest { Spec = optedOut })).Job.State);

        // Another model or another owner is not the same content.
        Assert.Equal(JobState.Queued, (await Client.SubmitAsync(new SubmitJobRequest { Spec = JobTrackingFixture.Spec(kind, owner, "{\"prompt\":\"castle\",\"seed\":7}", "test/other-model") })).Job.State);
        Assert.Equal(JobState.Queued, (await Client.SubmitAsync(new SubmitJobRequest { Spec = JobTrackingFixture.Spec(kind, JobTrackingFixture.NewOwner(), "{\"prompt\":\"castle\",\"seed\":7}") })).Job.State);
    }

    [Theory]
    [InlineData("no.such.kind", "{}", "kind 'no.such.kind' is unknown")]
    [InlineData("image.generate", "{\"prompt\": ", "input_json is not valid JSON")]
    [InlineData("image.generate", "[1,2]", "input_json must be a JSON object")]
    [InlineData("image.generate", "", "input_json is required")]
    public async Task Bad_input_is_invalid_argument_naming_the_problem(string kind, string input, string expected)
    {
        var spec = JobTrackingFixture.Spec(kind, JobTrackingFixture.NewOwner(), input);
        await RpcAssert.FailsWith(StatusCode.InvalidArgument, () => Client.SubmitAsync(new SubmitJobRequest { Spec = spec }), expected);
    }

    [Fact]
    public async Task Missing_fields_oversize_input_and_bad_dependencies_are_invalid_argument()
    {
        var owner = JobTrackingFixture.NewOwner();
        var noModel = JobTrackingFixture.Spec("image.generate", owner);
        noModel.ModelId = "";
        await RpcAssert.FailsWith(StatusCode.InvalidArgument, () => Client.SubmitAsync(new SubmitJobRequest { Spec = noModel }), "model_id is required");
        await RpcAssert.FailsWith(StatusCode.InvalidArgument, () => Client.SubmitAsync(new SubmitJobRequest { Spec = JobTrackingFixture.Spec("image.generate", "") }), "owner is required");

        var huge = JobTrackingFixture.Spec("image.generate", owner, "{\"prompt\":\"" + new string('x', 5000) + "\"}");
        await RpcAssert.FailsWith(StatusCode.InvalidArgument, () => Client.SubmitAsync(new SubmitJobRequest { Spec = huge }), "the limit is 4096");

        var missing = JobTrackingFixture.Spec("image.generate", owner);
        missing.Dependencies.Add(new Dependency { JobId = Guid.NewGuid().ToString() });
        await RpcAssert.FailsWith(StatusCode.InvalidArgument, () => Client.SubmitAsync(new SubmitJobRequest { Spec = missing }), "does not exist");

        var notAnId = JobTrackingFixture.Spec("image.generate", owner);
        notAnId.Dependencies.Add(new Dependency { JobId = "job-42" });
        await RpcAssert.FailsWith(StatusCode.InvalidArgument, () => Client.SubmitAsync(new SubmitJobRequest { Spec = notAnId }), "dependencies[0].job_id 'job-42' is not a job id");

        var upstream = (await Client.SubmitAsync(new SubmitJobRequest { Spec = JobTrackingFixture.Spec(fixture.NewKind(), owner) })).Job;
        var badPointer = JobTrackingFixture.Spec("image.generate", owner, "{\"prompt\":\"x\"}");
        var dependency = new Dependency { JobId = upstream.Id };
        dependency.Bindings.Add(new InputBinding { InputPointer = "/images/0", OutputName = "images" });
        badPointer.Dependencies.Add(dependency);
        await RpcAssert.FailsWith(StatusCode.InvalidArgument, () => Client.SubmitAsync(new SubmitJobRequest { Spec = badPointer }), "'images' does not exist in input_json");

        var othersUpstream = JobTrackingFixture.Spec("image.generate", JobTrackingFixture.NewOwner());
        othersUpstream.Dependencies.Add(new Dependency { JobId = upstream.Id });
        await RpcAssert.FailsWith(StatusCode.NotFound, () => Client.SubmitAsync(new SubmitJobRequest { Spec = othersUpstream }));
    }

    [Fact]
    public async Task List_pages_newest_first_without_overlap_and_filters()
    {
        var owner = JobTrackingFixture.NewOwner();
        var kind = fixture.NewKind();
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            ids.Add((await Client.SubmitAsync(new SubmitJobRequest { Spec = JobTrackingFixture.Spec(kind, owner, $"{{\"n\":{i}}}") })).Job.Id);
        }

        var seen = new List<string>();
        var token = "";
        var pages = 0;
        do
        {
            var page = await Client.ListAsync(new ListJobsRequest { Owner = owner, PageSize = 3, PageToken = token });
            seen.AddRange(page.Jobs.Select(j => j.Id));
            token = page.NextPageToken;
            pages++;

            // A job created meanwhile is newer than every cursor, so it never shifts later pages.
            if (pages == 1)
            {
                await Client.SubmitAsync(new SubmitJobRequest { Spec = JobTrackingFixture.Spec(kind, owner, "{\"n\":99}") });
            }
        }
        while (token.Length > 0);

        Assert.Equal(3, pages);
        Assert.Equal(ids.AsEnumerable().Reverse(), seen);

        var canceled = await Client.CancelAsync(new CancelJobRequest { JobId = ids[0], Owner = owner });
        var filter = new ListJobsRequest { Owner = owner };
        filter.States.Add(JobState.Canceled);
        Assert.Equal(canceled.Id, Assert.Single((await Client.ListAsync(filter)).Jobs).Id);
        await RpcAssert.FailsWith(StatusCode.InvalidArgument, () => Client.ListAsync(new ListJobsRequest { Owner = owner, PageToken = "garbage!" }), "page_token");
    }
}
