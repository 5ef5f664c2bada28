using Montage.Contracts.Jobs.V1;
using Montage.Grpc;

namespace Montage.JobTracking.Tests;

/// <summary>Dependencies, bindings, failure propagation and SubmitGraph.</summary>
[Collection(JobTrackingCollection.Name)]
public sealed class GraphFunctionalTests(JobTrackingFixture fixture)
{
    private JobTrackerClient Client => fixture.Client;

    private static GraphNode Node(string key, string kind, string input = "{\"image_url\":null}", params Dependency[] dependencies)
    {
        var node = new GraphNode { LocalKey = key, Spec = new JobSpec { Kind = kind, ModelId = "test/kenburns", InputJson = input } };
        node.Spec.Dependencies.AddRange(dependencies);
        return node;
    }

    private static Dependency On(string localKey, string pointer = "/image_url", string output = "images", int index = 0, bool all = false)
    {
        var dependency = new Dependency { LocalKey = localKey };
        dependency.Bindings.Add(new InputBinding { InputPointer = pointer, OutputName = output, Index = index, All = all });
        return dependency;
    }

    [Fact]
    public async Task Dependent_is_queued_with_bound_inputs_once_all_dependencies_succeeded()
    {
        var kind = fixture.NewKind();
        var request = new SubmitGraphRequest { Owner = JobTrackingFixture.NewOwner(), ProductionId = "episode-1" };
        request.Nodes.Add(Node("portrait", kind, "{\"prompt\":\"alice\"}"));
        request.Nodes.Add(Node("scene", kind, "{\"prompt\":\"forest\"}"));
        request.Nodes.Add(Node("shot", kind, "{\"image_url\":null,\"refs\":[null,null],\"all\":null}",
            On("portrait", "/refs/0", index: 1), On("scene", "/image_url")));
        request.Nodes[2].Spec.Dependencies[1].Bindings.Add(new InputBinding { InputPointer = "/all", OutputName = "images", All = true });
        var graph = await Client.SubmitGraphAsync(request);
        Assert.Equal(3, graph.Jobs.Count);
        Assert.Equal([JobState.Queued, JobState.Queued, JobState.Waiting], graph.Jobs.Select(j => j.State));
        Assert.Equal($"job://{graph.JobIds["portrait"]}/outputs/images", graph.Jobs[2].Dependencies[0].Bindings[0].SourceUri);
        Assert.All(graph.Jobs, j => Assert.Equal("episode-1", j.ProductionId));

        var worker = new TestWorker(Client, kind);
        await worker.CompleteAsync(await worker.LeaseJobAsync(graph.JobIds["portrait"]), "images", "p0", "p1");
        Assert.Equal(JobState.Waiting, (await Client.GetAsync(new GetJobRequest { JobId = graph.JobIds["shot"] })).State);
        await worker.CompleteAsync(await worker.LeaseJobAsync(graph.JobIds["scene"]), "images", "s0", "s1");

        var shot = await Client.GetAsync(new GetJobRequest { JobId = graph.JobIds["shot"] });
        Assert.Equal(JobState.Queued, shot.State);
        Assert.Equal("{\"image_url\":\"s0\",\"refs\":[\"p1\",null],\"all\":[\"s0\",\"s1\"]}", shot.InputJson);
        Assert.Equal(shot.InputJson, (await worker.LeaseJobAsync(shot.Id)).Job.InputJson);
    }

    [Fact]
    public async Task Failure_propagates_to_dependents_transitively_and_retry_with_dependents_reruns_the_branch()
    {
        var kind = fixture.NewKind();
        var request = new SubmitGraphRequest { Owner = JobTrackingFixture.NewOwner() };
        request.Nodes.Add(Node("a", kind, "{\"p\":1}"));
        request.Nodes.Add(Node("b", kind, "{\"image_url\":null}", On("a")));
        request.Nodes.Add(Node("c", kind, "{\"image_url\":null}", On("b")));
        request.Nodes.Add(Node("independent", kind, "{\"p\":2}"));
        var graph = await Client.SubmitGraphAsync(request);

        var worker = new TestWorker(Client, kind);
        await worker.FailAsync(await worker.LeaseJobAsync(graph.JobIds["a"]), "content_policy_violation", retryable: false);

        var b = await Client.GetAsync(new GetJobRequest { JobId = graph.JobIds["b"] });
        var c = await Client.GetAsync(new GetJobRequest { JobId = graph.JobIds["c"] });
        Assert.Equal(JobState.Failed, b.State);
        Assert.Equal("dependency_failed", b.Error.Code);
        Assert.Contains(graph.JobIds["a"], b.Error.Message, StringComparison.Ordinal);
        Assert.Equal(JobState.Failed, c.State);
        Assert.Equal("dependency_failed", c.Error.Code);
        // A node outside the failed branch is untouched (queued, or running if the worker leased it on its way to "a").
        var independent = await Client.GetAsync(new GetJobRequest { JobId = graph.JobIds["independent"] });
        Assert.Contains(independent.State, new[] { JobState.Queued, JobState.Running });
        Assert.Null(independent.Error);

        var retried = await Client.RetryAsync(new RetryJobRequest { JobId = graph.JobIds["a"], IncludeDependents = true });
        Assert.Equal(graph.JobIds["a"], retried.Jobs[0].Id);
        Assert.Equal(JobState.Queued, retried.Jobs[0].State);
        Assert.Equal([JobState.Waiting, JobState.Waiting], retried.Jobs.Skip(1).Select(j => j.State));

        await worker.CompleteAsync(await worker.LeaseJobAsync(graph.JobIds["a"]), "images", "a-out");
        var rerunB = await Client.GetAsync(new GetJobRequest { JobId = graph.JobIds["b"] });
        Assert.Equal(JobState.Queued, rerunB.State);
        Assert.Equal("{\"image_url\":\"a-out\"}", rerunB.InputJson);
    }

    [Fact]
    public async Task Cancel_cancels_waiting_dependents()
    {
        var kind = fixture.NewKind();
        var request = new SubmitGraphRequest { Owner = JobTrackingFixture.NewOwner() };
        request.Nodes.Add(Node("a", kind, "{\"p\":1}"));
        request.Nodes.Add(Node("b", kind, "{\"image_url\":null}", On("a")));
        var graph = await Client.SubmitGraphAsync(request);
        await Client.CancelAsync(new CancelJobRequest { JobId = graph.JobIds["a"] });
        var b = await Client.GetAsync(new GetJobRequest { JobId = graph.JobIds["b"] });
        Assert.Equal(JobState.Canceled, b.State);
        Assert.Equal("dependency_canceled", b.Error.Code);
    }

    [Fact]
    public async Task Graph_nodes_reuse_cached_outputs_and_their_dependents_are_queued_at_once()
    {
        var kind = fixture.NewKind();
        var owner = JobTrackingFixture.NewOwner();
        var earlier = (await Client.SubmitAsync(new SubmitJobRequest { Spec = new JobSpec { Kind = kind, ModelId = "test/kenburns", InputJson = "{\"prompt\":\"alice\"}", Owner = owner } })).Job;
        var worker = new TestWorker(Client, kind);
        await worker.CompleteAsync(await worker.LeaseJobAsync(earlier.Id), "images", "alice-1");

        var request = new SubmitGraphRequest { Owner = owner };
        request.Nodes.Add(Node("portrait", kind, "{\"prompt\":\"alice\"}"));
        request.Nodes.Add(Node("shot", kind, "{\"image_url\":null}", On("portrait")));
        var graph = await Client.SubmitGraphAsync(request);
        Assert.Equal(JobState.Succeeded, graph.Jobs[0].State);
        Assert.Equal(earlier.Id, graph.Jobs[0].CachedFromJobId);
        Assert.Equal(JobState.Queued, graph.Jobs[1].State);
        Assert.Equal("{\"image_url\":\"alice-1\"}", graph.Jobs[1].InputJson);
    }

    [Fact]
    public async Task Graph_idempotency_returns_the_same_jobs()
    {
        var kind = fixture.NewKind();
        var request = new SubmitGraphRequest { Owner = JobTrackingFixture.NewOwner(), IdempotencyKey = "episode-7" };
        request.Nodes.Add(Node("a", kind, "{\"p\":1}"));
        request.Nodes.Add(Node("b", kind, "{\"image_url\":null}", On("a")));
        var first = await Client.SubmitGraphAsync(request);
        var again = await Client.SubmitGraphAsync(request);
        Assert.True(again.Deduplicated);
        Assert.Equal(first.JobIds, again.JobIds);

        request.Nodes[0].Spec.InputJson = "{\"p\":2}";
        await RpcAssert.FailsWith(StatusCode.AlreadyExists, () => Client.SubmitGraphAsync(request));
    }

    [Fact]
    public async Task Cycles_duplicate_and_unknown_keys_refuse_the_whole_graph()
    {
        var kind = fixture.NewKind();
        var owner = JobTrackingFixture.NewOwner();
        var cycle = new SubmitGraphRequest { Owner = owner };
        cycle.Nodes.Add(Node("a", kind, "{\"image_url\":null}", On("c")));
        cycle.Nodes.Add(Node("b", kind, "{\"image_url\":null}", On("a")));
        cycle.Nodes.Add(Node("c", kind, "{\"image_url\":null}", On("b")));
        cycle.Nodes.Add(Node("free", kind, "{\"p\":1}"));
        var error = await RpcAssert.FailsWith(StatusCode.InvalidArgument, () => Client.SubmitGraphAsync(cycle), "cycle");
        Assert.Contains("a -> c -> b -> a", error.Status.Detail, StringComparison.Ordinal);

        var self = new SubmitGraphRequest { Owner = owner };
        self.Nodes.Add(Node("a", kind, "{\"image_url\":null}", On("a")));
        await RpcAssert.FailsWith(StatusCode.InvalidArgument, () => Client.SubmitGraphAsync(self), "depends on itself");

        var duplicate = new SubmitGraphRequest { Owner = owner };
        duplicate.Nodes.Add(Node("a", kind, "{\"p\":1}"));
        duplicate.Nodes.Add(Node("a", kind, "{\"p\":2}"));
        await RpcAssert.FailsWith(StatusCode.InvalidArgument, () => Client.SubmitGraphAsync(duplicate), "used by more than one node");

        var unknown = new SubmitGraphRequest { Owner = owner };
        unknown.Nodes.Add(Node("a", kind, "{\"image_url\":null}", On("ghost")));
        await RpcAssert.FailsWith(StatusCode.InvalidArgument, () => Client.SubmitGraphAsync(unknown), "'ghost' is not a node");

        var missingJob = new SubmitGraphRequest { Owner = owner };
        missingJob.Nodes.Add(Node("a", kind, "{\"p\":1}", new Dependency { JobId = Guid.NewGuid().ToString() }));
        await RpcAssert.FailsWith(StatusCode.InvalidArgument, () => Client.SubmitGraphAsync(missingJob), "does not exist");

        // Nothing of the refused graphs was created.
        Assert.Empty((await Client.ListAsync(new ListJobsRequest { Owner = owner })).Jobs);
    }
}
