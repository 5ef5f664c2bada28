using System.Text.Json.Nodes;
using Montage.FakeProviders;
using Montage.Providers.Abstractions;

namespace Montage.Providers.Tests.Kie;

/// <summary>The polling fallback against the fake KIE: progress is reported, faults do not end the wait, wake-ups cut it short.</summary>
public sealed class ProviderPollingFunctionalTests : IClassFixture<KieFixture>
{
    private static readonly ProviderPollingOptions Fast = new() { Initial = TimeSpan.FromMilliseconds(20), Max = TimeSpan.FromMilliseconds(100) };
    private readonly KieFixture fixture;

    public ProviderPollingFunctionalTests(KieFixture fixture)
    {
        this.fixture = fixture;
        fixture.Fake.Reset();
    }

    [Fact]
    public async Task Polling_reports_each_state_and_returns_the_terminal_status()
    {
        fixture.Fake.Jobs.Progression = FakeProgression.PerPoll;
        var kie = fixture.CreateProvider(s => s["Providers:Kie:Retry:MaxRetries"] = "0");
        var submission = await kie.SubmitAsync(new ProviderSubmitRequest("kling-3.0/image", new JsonObject { ["prompt"] = "poll" }), default);
        fixture.Fake.Faults.Add(FakeOperation.Status, new EnvelopeFault(455, "maintenance"));
        var seen = new List<ProviderJobState>();

        var final = await kie.WaitForTerminalAsync(submission.Handle, Fast, (s, _) =>
        {
            seen.Add(s.State);
            return ValueTask.CompletedTask;
        });

        Assert.Equal(ProviderJobState.Completed, final.State);
        Assert.Equal([ProviderJobState.Queued, ProviderJobState.Running, ProviderJobState.Completed], seen);
    }

    [Fact]
    public async Task A_final_error_ends_the_wait()
    {
        fixture.Fake.Jobs.Progression = FakeProgression.Manual;
        var kie = fixture.CreateProvider();

        var error = await Assert.ThrowsAsync<ProviderException>(() =>
            kie.WaitForTerminalAsync(new ProviderJobHandle("kie", "unknown", "kling-3.0/video"), Fast));

        Assert.Equal(ProviderErrorKind.NotFound, error.Error.Kind);
    }

    [Fact]
    public async Task The_deadline_ends_a_wait_for_a_job_that_never_finishes()
    {
        fixture.Fake.Jobs.Progression = FakeProgression.Manual;
        var kie = fixture.CreateProvider();
        var submission = await kie.SubmitAsync(new ProviderSubmitRequest("kling-3.0/video", new JsonObject { ["prompt"] = "stuck" }), default);

        await Assert.ThrowsAsync<TimeoutException>(() =>
            kie.WaitForTerminalAsync(submission.Handle, Fast with { Deadline = TimeSpan.FromMilliseconds(300) }));
    }

    [Fact]
    public async Task A_wake_up_cuts_a_long_interval_short()
    {
        fixture.Fake.Jobs.Progression = FakeProgression.Manual;
        var kie = fixture.CreateProvider();
        var submission = await kie.SubmitAsync(new ProviderSubmitRequest("kling-3.0/video", new JsonObject { ["prompt"] = "wake" }), default);
        var webhookArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slow = new ProviderPollingOptions { Initial = TimeSpan.FromHours(1), Max = TimeSpan.FromHours(1) };

        var waiting = kie.WaitForTerminalAsync(submission.Handle, slow, wakeUp: ct => webhookArrived.Task.WaitAsync(ct));
        await fixture.Fake.Jobs.CompleteAsync(submission.RequestId);
        webhookArrived.SetResult();

        Assert.Equal(ProviderJobState.Completed, (await waiting.WaitAsync(TimeSpan.FromSeconds(60))).State);
    }
}
