using Google.Protobuf.WellKnownTypes;
using Montage.Contracts.Jobs.V1;
using Montage.Grpc;

namespace Montage.JobTracking.Tests;

/// <summary>Every state transition of one job, and the illegal ones refused with FAILED_PRECONDITION.</summary>
[Collection(JobTrackingCollection.Name)]
public sealed class JobLifecycleFunctionalTests(JobTrackingFixture fixture)
{
    private JobTrackerClient Client => fixture.Client;

    [Fact]
    public async Task Submit_lease_checkpoint_progress_complete_records_every_step_as_events()
    {
        var kind = fixture.NewKind();
        var owner = JobTrackingFixture.NewOwner();
        var submitted = (await Client.SubmitAsync(new SubmitJobRequest { Spec = JobTrackingFixture.Spec(kind, owner) })).Job;
        Assert.Equal(JobState.Queued, submitted.State);
        Assert.Equal(3, submitted.MaxAttempts);

        var worker = new TestWorker(Client, kind);
        var leased = await worker.LeaseJobAsync(submitted.Id);
        Assert.Equal(JobState.Running, leased.Job.State);
        Assert.Equal(1, leased.Job.Attempts);
        Assert.False(leased.Resume);
        Assert.Equal(worker.Id, leased.Job.LeaseOwner);

        var checkpoint = await worker.CheckpointAsync(leased, "req-" + submitted.Id);
        Assert.Equal("req-" + submitted.Id, checkpoint.Checkpoint.RequestId);
        var progress = new ReportProgressRequest { JobId = submitted.Id, LeaseId = leased.LeaseId, Progress = 0.5 };
        progress.Logs.Add(new LogLine { Level = "info", Message = "rendering frame 12" });
        await Client.ReportProgressAsync(progress);
        await Client.ReportProgressAsync(new ReportProgressRequest { JobId = submitted.Id, LeaseId = leased.LeaseId, Progress = 0.2 });

        var midway = await Client.GetAsync(new GetJobRequest { JobId = submitted.Id, Owner = owner });
        Assert.Equal(0.5, midway.Progress);
        Assert.Equal("rendering frame 12", Assert.Single(midway.RecentLogs).Message);

        var done = await worker.CompleteAsync(leased, "images", "asset-1", "asset-2");
        Assert.Equal(JobState.Succeeded, done.State);
        Assert.Equal(["asset-1", "asset-2"], done.Outputs["images"].AssetIds);
        Assert.Equal(1000, done.ActualCostMicros);
        Assert.Equal(1, done.Progress);

        // Watch replays the whole history from sequence 0 and ends after the terminal event.
        using var watch = Client.Watch(new WatchRequest { JobId = submitted.Id });
        var types = new List<string>();
        var sequences = new List<long>();
        while (await watch.ResponseStream.MoveNext(CancellationToken.None))
        {
            types.Add(watch.ResponseStream.Current.Type);
            sequences.Add(watch.ResponseStream.Current.Sequence);
        }

        Assert.Equal(["job.queued", "job.running", "job.checkpoint", "job.progress", "job.log", "job.succeeded"], types);
        Assert.Equal(sequences.OrderBy(s => s), sequences);
        Assert.Equal(done.LastEventSequence, sequences[^1]);
    }

    [Fact]
    public async Task Illegal_transitions_are_failed_precondition()
    {
        var kind = fixture.NewKind();
        var owner = JobTrackingFixture.NewOwner();
        var job = (await Client.SubmitAsync(new SubmitJobRequest { Spec = JobTrackingFixture.Spec(kind, owner) })).Job;

        // Queued: no lease exists, so worker calls are refused, and Retry is not allowed.
        var fake = new LeasedJob { Job = job, LeaseId = Guid.NewGuid().ToString() };
        var worker = new TestWorker(Client, kind);
        await RpcAssert.FailsWith(StatusCode.FailedPrecondition, () => worker.CompleteAsync(fake), "no longer held");
        await RpcAssert.FailsWith(StatusCode.FailedPrecondition, () => worker.HeartbeatAsync(fake));
        await RpcAssert.FailsWith(StatusCode.FailedPrecondition, () => Client.RetryAsync(new RetryJobRequest { JobId = job.Id }), "only failed or canceled");

        // Running: a second provider request in the same attempt would pay twice.
        var leased = await worker.LeaseJobAsync(job.Id);
        await worker.CheckpointAsync(leased, "first-" + job.Id);
        await worker.CheckpointAsync(leased, "first-" + job.Id, status: "IN_PROGRESS");
        await RpcAssert.FailsWith(StatusCode.FailedPrecondition, () => worker.CheckpointAsync(leased, "second-" + job.Id), "paid twice");
        await RpcAssert.FailsWith(StatusCode.FailedPrecondition, () => Client.RetryAsync(new RetryJobRequest { JobId = job.Id }));

        // Succeeded: terminal. An identical Complete is a no-op; anything else is refused.
        var done = await worker.CompleteAsync(leased, "images", "a1");
        var again = await worker.CompleteAsync(leased, "images", "a1");
        Assert.Equal(done.LastEventSequence, again.LastEventSequence);
        await RpcAssert.FailsWith(StatusCode.FailedPrecondition, () => worker.CompleteAsync(leased, "images", "different"));
        await RpcAssert.FailsWith(StatusCode.FailedPrecondition, () => worker.FailAsync(leased, "boom", retryable: true));
        await RpcAssert.FailsWith(StatusCode.FailedPrecondition, () => Client.CancelAsync(new CancelJobRequest { JobId = job.Id }), "succeeded");
        await RpcAssert.FailsWith(StatusCode.FailedPrecondition, () => Client.RetryAsync(new RetryJobRequest { JobId = job.Id }), "succeeded");
        await RpcAssert.FailsWith(StatusCode.FailedPrecondition, () => worker.HeartbeatAsync(leased));
    }

    [Fact]
    public async Task Cancel_of_queued_job_ends_it_and_is_idempotent()
    {
        var kind = fixture.NewKind();
        var owner = JobTrackingFixture.NewOwner();
        var job = (await Client.SubmitAsync(new SubmitJobRequest { Spec = JobTrackingFixture.Spec(kind, owner) })).Job;
        var canceled = await Client.CancelAsync(new CancelJobRequest { JobId = job.Id, Owner = owner, Reason = "changed my mind" });
        Assert.Equal(JobState.Canceled, canceled.State);
        Assert.Equal("canceled", canceled.Error.Code);
        Assert.Equal("changed my mind", canceled.Error.Message);
        Assert.Equal(canceled.LastEventSequence, (await Client.CancelAsync(new CancelJobRequest { JobId = job.Id, Owner = owner })).LastEventSequence);
        Assert.Null(await new TestWorker(Client, kind).LeaseOneAsync());
    }

    [Fact]
    public async Task Cancel_of_running_job_reaches_the_worker_through_its_heartbeat()
    {
        var kind = fixture.NewKind();
        var owner = JobTrackingFixture.NewOwner();
        var job = (await Client.SubmitAsync(new SubmitJobRequest { Spec = JobTrackingFixture.Spec(kind, owner) })).Job;
        var worker = new TestWorker(Client, kind);
        var leased = await worker.LeaseJobAsync(job.Id);
        Assert.False((await worker.HeartbeatAsync(leased)).CancelRequested);

        var afterCancel = await Client.CancelAsync(new CancelJobRequest { JobId = job.Id, Owner = owner });
        Assert.Equal(JobState.Running, afterCancel.State);
        Assert.True(afterCancel.CancelRequested);
        Assert.True((await worker.HeartbeatAsync(leased)).CancelRequested);

        var ended = await worker.FailAsync(leased, "canceled", retryable: false);
        Assert.Equal(JobState.Canceled, ended.State);
        Assert.Equal("canceled", ended.Error.Code);
    }

    [Fact]
    public async Task Retryable_failure_requeues_with_backoff_until_max_attempts_then_fails()
    {
        var kind = fixture.NewKind();
        var spec = JobTrackingFixture.Spec(kind, JobTrackingFixture.NewOwner());
        spec.MaxAttempts = 2;
        var job = (await Client.SubmitAsync(new SubmitJobRequest { Spec = spec })).Job;
        var worker = new TestWorker(Client, kind);

        var first = await worker.LeaseJobAsync(job.Id);
        await worker.CheckpointAsync(first, "attempt-1-" + job.Id);
        var requeued = await worker.FailAsync(first, "provider_unavailable", retryable: true);
        Assert.Equal(JobState.Queued, requeued.State);
        Assert.NotNull(requeued.NextAttemptAt);
        Assert.True(requeued.NextAttemptAt.ToDateTime() > requeued.UpdatedAt.ToDateTime());
        Assert.Null(requeued.ProviderCheckpoint);
        Assert.Equal("provider_unavailable", requeued.Error.Code);

        var second = await worker.LeaseJobAsync(job.Id);
        Assert.Equal(2, second.Job.Attempts);
        Assert.False(second.Resume);
        await worker.CheckpointAsync(second, "attempt-2-" + job.Id);
        var failed = await worker.FailAsync(second, "provider_unavailable", retryable: true);
        Assert.Equal(JobState.Failed, failed.State);
        Assert.True(failed.Error.Retryable);

        // Retry is a new run under the same id: attempts restart, the old request is not resumed.
        var retried = (await Client.RetryAsync(new RetryJobRequest { JobId = job.Id })).Jobs[0];
        Assert.Equal(JobState.Queued, retried.State);
        Assert.Equal(0, retried.Attempts);
        Assert.Null(retried.Error);
        var third = await worker.LeaseJobAsync(job.Id);
        Assert.Equal(1, third.Job.Attempts);
        Assert.Null(third.Job.ProviderCheckpoint);
    }

    [Fact]
    public async Task Non_retryable_failure_fails_at_once()
    {
        var kind = fixture.NewKind();
        var job = (await Client.SubmitAsync(new SubmitJobRequest { Spec = JobTrackingFixture.Spec(kind, JobTrackingFixture.NewOwner()) })).Job;
        var worker = new TestWorker(Client, kind);
        var leased = await worker.LeaseJobAsync(job.Id);
        var failed = await worker.FailAsync(leased, "content_policy_violation", retryable: false);
        Assert.Equal(JobState.Failed, failed.State);
        Assert.Equal(1, failed.Attempts);
        Assert.Equal("content_policy_violation", failed.Error.Code);
    }

    [Fact]
    public async Task Expired_lease_is_leased_again_and_the_new_holder_resumes_the_checkpoint()
    {
        var kind = fixture.NewKind();
        var job = (await Client.SubmitAsync(new SubmitJobRequest { Spec = JobTrackingFixture.Spec(kind, JobTrackingFixture.NewOwner()) })).Job;
        var dying = new TestWorker(Client, kind, "dying-worker");
        var first = (await dying.LeaseOneAsync(TimeSpan.FromSeconds(10), leaseDuration: TimeSpan.FromSeconds(1)))!;
        Assert.Equal(job.Id, first.Job.Id);
        await dying.CheckpointAsync(first, "paid-" + job.Id, status: "IN_PROGRESS");

        // The worker dies: no heartbeat. Another worker waits for work and gets the same job back.
        var rescuer = new TestWorker(Client, kind, "rescuer");
        LeasedJob? second = null;
        for (var i = 0; i < 30 && second is null; i++)
        {
            second = await rescuer.LeaseOneAsync(TimeSpan.FromSeconds(2));
        }

        Assert.NotNull(second);
        Assert.Equal(job.Id, second.Job.Id);
        Assert.True(second.Resume);
        Assert.Equal("paid-" + job.Id, second.Job.ProviderCheckpoint.RequestId);
        Assert.Equal("IN_PROGRESS", second.Job.ProviderCheckpoint.ProviderStatus);
        Assert.Equal(1, second.Job.Attempts);
        Assert.NotEqual(first.LeaseId, second.LeaseId);

        // The stale holder is fenced off; the new one finishes.
        await RpcAssert.FailsWith(StatusCode.FailedPrecondition, () => dying.HeartbeatAsync(first), "leased again");
        await RpcAssert.FailsWith(StatusCode.FailedPrecondition, () => dying.CompleteAsync(first));
        Assert.Equal(JobState.Succeeded, (await rescuer.CompleteAsync(second)).State);
    }

    [Fact]
    public async Task A_job_past_its_timeout_fails_with_a_clear_error()
    {
        var kind = fixture.NewKind();
        var spec = JobTrackingFixture.Spec(kind, JobTrackingFixture.NewOwner());
        spec.Timeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(1));
        var job = (await Client.SubmitAsync(new SubmitJobRequest { Spec = spec })).Job;
        var worker = new TestWorker(Client, kind);
        var leased = await worker.LeaseJobAsync(job.Id);

        var failed = await RpcAssert.EventuallyAsync(Client, job.Id, j => j.State == JobState.Failed);
        Assert.Equal("timeout", failed.Error.Code);
        Assert.Contains("exceeded its timeout of 1 s", failed.Error.Message, StringComparison.Ordinal);
        Assert.False(failed.Error.Retryable);
        await RpcAssert.FailsWith(StatusCode.FailedPrecondition, () => worker.HeartbeatAsync(leased), "failed");
    }

    [Fact]
    public async Task Another_owners_job_is_not_found()
    {
        var kind = fixture.NewKind();
        var job = (await Client.SubmitAsync(new SubmitJobRequest { Spec = JobTrackingFixture.Spec(kind, JobTrackingFixture.NewOwner()) })).Job;
        await RpcAssert.FailsWith(StatusCode.NotFound, () => Client.GetAsync(new GetJobRequest { JobId = job.Id, Owner = "someone-else" }));
        await RpcAssert.FailsWith(StatusCode.NotFound, () => Client.CancelAsync(new CancelJobRequest { JobId = job.Id, Owner = "someone-else" }));
        await RpcAssert.FailsWith(StatusCode.NotFound, () => Client.GetAsync(new GetJobRequest { JobId = Guid.NewGuid().ToString() }));
        Assert.Equal(job.Id, (await Client.GetAsync(new GetJobRequest { JobId = job.Id })).Id);
    }
}
