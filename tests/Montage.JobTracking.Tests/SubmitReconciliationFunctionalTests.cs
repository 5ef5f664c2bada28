using Google.Protobuf.WellKnownTypes;
using Montage.Contracts.Jobs.V1;
using Montage.Grpc;

namespace Montage.JobTracking.Tests;

/// <summary>
/// A submit whose outcome is unknown: the submit intent recorded before a paid submit, how a later holder of the
/// attempt learns of it, and provider webhooks matched to such a job by the job hint of the webhook URL.
/// </summary>
[Collection(JobTrackingCollection.Name)]
public sealed class SubmitReconciliationFunctionalTests(JobTrackingFixture fixture)
{
    private JobTrackerClient Client => fixture.Client;

    [Fact]
    public async Task An_intent_is_idempotent_for_its_lease_hidden_from_the_job_and_replaced_by_the_request_id()
    {
        var (worker, leased) = await LeaseNewJobAsync();

        var intent = await IntentAsync(leased);
        Assert.False(intent.SubmitOutcomeUnknown);
        Assert.True(intent.Checkpoint.SubmitIntent);
        Assert.Equal("fal", intent.Checkpoint.Provider);
        Assert.Equal("", intent.Checkpoint.RequestId);
        Assert.NotNull(intent.Checkpoint.SubmittedAt);

        // The same worker repeating its call (its answer was lost) is not an unknown outcome.
        var repeat = await IntentAsync(leased);
        Assert.False(repeat.SubmitOutcomeUnknown);
        Assert.Equal(intent.Checkpoint.SubmittedAt, repeat.Checkpoint.SubmittedAt);
        Assert.Null((await Client.GetAsync(new GetJobRequest { JobId = leased.Job.Id })).ProviderCheckpoint);

        var recorded = await worker.CheckpointAsync(leased, "req-" + leased.Job.Id);
        Assert.Equal("req-" + leased.Job.Id, recorded.Checkpoint.RequestId);
        Assert.False(recorded.Checkpoint.SubmitIntent);
        Assert.Equal("req-" + leased.Job.Id, (await Client.GetAsync(new GetJobRequest { JobId = leased.Job.Id })).ProviderCheckpoint.RequestId);

        // With a request id recorded, a new submit would pay twice.
        await RpcAssert.FailsWith(StatusCode.FailedPrecondition, () => IntentAsync(leased), "resume it");
        await RpcAssert.FailsWith(StatusCode.InvalidArgument,
            () => Client.CheckpointAsync(new CheckpointRequest { JobId = leased.Job.Id, LeaseId = leased.LeaseId, Provider = "fal", RequestId = "x", SubmitIntent = true }));
    }

    [Fact]
    public async Task The_next_holder_of_an_attempt_with_an_intent_and_no_request_id_is_told_the_outcome_is_unknown()
    {
        var kind = fixture.NewKind();
        var job = (await Client.SubmitAsync(new SubmitJobRequest { Spec = JobTrackingFixture.Spec(kind, JobTrackingFixture.NewOwner()) })).Job;
        var dying = new TestWorker(Client, kind, "dying-worker");
        var first = (await dying.LeaseOneAsync(TimeSpan.FromSeconds(10), leaseDuration: TimeSpan.FromSeconds(1)))!;
        var intent = await IntentAsync(first);
        Assert.False(intent.SubmitOutcomeUnknown);

        // The worker dies between the submit and the request id's Checkpoint.
        var second = await LeaseAgainAsync(new TestWorker(Client, kind, "rescuer"));
        Assert.Equal(job.Id, second.Job.Id);
        Assert.False(second.Resume);
        Assert.Equal(1, second.Job.Attempts);

        var answer = await IntentAsync(second);
        Assert.True(answer.SubmitOutcomeUnknown);
        Assert.True(answer.Checkpoint.SubmitIntent);
        Assert.Equal(intent.Checkpoint.SubmittedAt, answer.Checkpoint.SubmittedAt);

        // The new holder adopts the request it confirmed with the provider; the intent is gone.
        await new TestWorker(Client, kind).CheckpointAsync(second, "adopted-" + job.Id);
        Assert.Equal("adopted-" + job.Id, (await Client.GetAsync(new GetJobRequest { JobId = job.Id })).ProviderCheckpoint.RequestId);
    }

    [Fact]
    public async Task A_retryable_failure_clears_the_intent_so_the_next_attempt_submits()
    {
        var (worker, leased) = await LeaseNewJobAsync();
        await IntentAsync(leased);
        Assert.Equal(JobState.Queued, (await worker.FailAsync(leased, "rate_limited", retryable: true)).State);

        var next = await LeaseAgainAsync(worker);
        Assert.Equal(2, next.Job.Attempts);
        Assert.False((await IntentAsync(next)).SubmitOutcomeUnknown);
    }

    [Fact]
    public async Task A_webhook_hinted_to_a_job_with_an_intent_is_recorded_on_it_and_announced()
    {
        var (worker, leased) = await LeaseNewJobAsync();
        await IntentAsync(leased);
        var requestId = "lost-" + leased.Job.Id;

        var before = (await Client.GetAsync(new GetJobRequest { JobId = leased.Job.Id })).LastEventSequence;
        var delivered = await DeliverAsync("fal", requestId, leased.Job.Id);
        Assert.True(delivered.Matched);
        Assert.True(delivered.MatchedByHint);
        Assert.Equal(leased.Job.Id, delivered.JobId);
        Assert.False(delivered.Duplicate);

        // Replayed from before the delivery, so the check does not race the stream's start.
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        using var watch = Client.Watch(new WatchRequest { JobId = leased.Job.Id, AfterSequence = before }, cancel.Token);
        Assert.True(await watch.ResponseStream.MoveNext(cancel.Token));
        Assert.Equal("job.provider_event", watch.ResponseStream.Current.Type);
        Assert.Equal(requestId, watch.ResponseStream.Current.ProviderEvent.RequestId);
        Assert.Equal(requestId, Assert.Single((await worker.HeartbeatAsync(leased)).ProviderEvents).RequestId);

        // A provider retry of the same delivery is recognized; adopting the request keeps the delivery listed once.
        Assert.True((await DeliverAsync("fal", requestId, leased.Job.Id)).Duplicate);
        await worker.CheckpointAsync(leased, requestId);
        Assert.Equal(requestId, Assert.Single((await worker.HeartbeatAsync(leased)).ProviderEvents).RequestId);
        Assert.Equal(JobState.Succeeded, (await worker.CompleteAsync(leased)).State);
    }

    [Fact]
    public async Task A_hint_never_moves_a_delivery_to_a_job_holding_another_request_or_awaiting_another_provider()
    {
        var (holderWorker, holder) = await LeaseNewJobAsync();
        await holderWorker.CheckpointAsync(holder, "own-" + holder.Job.Id);
        var (kieWorker, kieJob) = await LeaseNewJobAsync();
        await IntentAsync(kieJob, provider: "kie");

        var stray = await DeliverAsync("fal", "stray-" + holder.Job.Id, holder.Job.Id);
        Assert.False(stray.Matched);
        Assert.False(stray.MatchedByHint);
        var otherProvider = await DeliverAsync("fal", "stray-" + kieJob.Job.Id, kieJob.Job.Id);
        Assert.False(otherProvider.Matched);
        var garbage = await DeliverAsync("fal", "stray-garbage-" + kieJob.Job.Id, "not-a-job-id");
        Assert.False(garbage.Matched);

        Assert.Empty((await holderWorker.HeartbeatAsync(holder)).ProviderEvents);
        Assert.Empty((await kieWorker.HeartbeatAsync(kieJob)).ProviderEvents);
        Assert.Equal("own-" + holder.Job.Id, (await Client.GetAsync(new GetJobRequest { JobId = holder.Job.Id })).ProviderCheckpoint.RequestId);
    }

    [Fact]
    public async Task The_job_holding_the_request_wins_over_a_hinted_job()
    {
        var (holderWorker, holder) = await LeaseNewJobAsync();
        var requestId = "held-" + holder.Job.Id;
        await holderWorker.CheckpointAsync(holder, requestId);
        var (waitingWorker, waiting) = await LeaseNewJobAsync();
        await IntentAsync(waiting);

        var delivered = await DeliverAsync("fal", requestId, waiting.Job.Id);
        Assert.True(delivered.Matched);
        Assert.False(delivered.MatchedByHint);
        Assert.Equal(holder.Job.Id, delivered.JobId);
        Assert.Empty((await waitingWorker.HeartbeatAsync(waiting)).ProviderEvents);
        Assert.Single((await holderWorker.HeartbeatAsync(holder)).ProviderEvents);
    }

    private async Task<(TestWorker Worker, LeasedJob Leased)> LeaseNewJobAsync()
    {
        var kind = fixture.NewKind();
        var job = (await Client.SubmitAsync(new SubmitJobRequest { Spec = JobTrackingFixture.Spec(kind, JobTrackingFixture.NewOwner()) })).Job;
        var worker = new TestWorker(Client, kind);
        return (worker, await worker.LeaseJobAsync(job.Id));
    }

    private static async Task<LeasedJob> LeaseAgainAsync(TestWorker worker)
    {
        for (var i = 0; i < 60; i++)
        {
            if (await worker.LeaseOneAsync(TimeSpan.FromSeconds(2)) is { } leased)
            {
                return leased;
            }
        }

        throw new TimeoutException("the job was not leased again within two minutes");
    }

    private Task<CheckpointResponse> IntentAsync(LeasedJob leased, string provider = "fal") =>
        Client.CheckpointAsync(new CheckpointRequest { JobId = leased.Job.Id, LeaseId = leased.LeaseId, Provider = provider, SubmitIntent = true });

    private Task<DeliverProviderEventResponse> DeliverAsync(string provider, string requestId, string hint) =>
        Client.DeliverProviderEventAsync(new DeliverProviderEventRequest
        {
            Provider = provider,
            RequestId = requestId,
            Outcome = "succeeded",
            PayloadJson = "{\"status\":\"OK\"}",
            ReceivedAt = Timestamp.FromDateTime(DateTime.UtcNow),
            JobIdHint = hint,
        });
}
