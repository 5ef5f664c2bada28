using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace Montage.FakeProviders;

/// <summary>The jobs of one fake provider, their progression, per-submit outcomes, and the submit ledger.</summary>
public sealed class FakeJobBoard
{
    private readonly ConcurrentDictionary<string, FakeJob> jobs = new();
    private readonly ConcurrentDictionary<string, int> submitsByRequest = new();
    private readonly ConcurrentQueue<FakeJobOutcome> outcomes = new();
    private readonly Func<FakeJob, Task> onCompleted;
    private int totalSubmits;

    internal FakeJobBoard(Func<FakeJob, Task> onCompleted) => this.onCompleted = onCompleted;

    public FakeProgression Progression { get; set; } = FakeProgression.Timed(TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(300));

    /// <summary>Queue position reported for a new job; it drops by one per status poll.</summary>
    public int InitialQueuePosition { get; set; } = 2;

    public int TotalSubmits => Volatile.Read(ref totalSubmits);

    public IReadOnlyCollection<FakeJob> Jobs => jobs.Values.ToList();

    /// <summary>How many times this exact request (model + canonical body) was accepted: &gt; 1 means paid twice.</summary>
    public int SubmitCount(string model, JsonNode? body) =>
        submitsByRequest.TryGetValue(CanonicalJson.RequestHash(model, body), out var count) ? count : 0;

    /// <summary>Sets how the next submitted job ends (default: success). Outcomes are consumed in order.</summary>
    public void EnqueueOutcome(FakeJobOutcome outcome) => outcomes.Enqueue(outcome);

    public FakeJob? Find(string id) => jobs.TryGetValue(id, out var job) ? job : null;

    public FakeJob Get(string id) => Find(id) ?? throw new KeyNotFoundException($"No fake job {id}.");

    /// <summary>Moves a job one step; sends its webhook when that completes it.</summary>
    public async Task AdvanceAsync(string id)
    {
        var job = Get(id);
        if (job.Advance(DateTimeOffset.UtcNow))
        {
            await CompleteInternalAsync(job);
        }
    }

    /// <summary>Moves a job straight to completed.</summary>
    public async Task CompleteAsync(string id)
    {
        var job = Get(id);
        while (job.State != FakeJobState.Completed)
        {
            if (job.Advance(DateTimeOffset.UtcNow))
            {
                await CompleteInternalAsync(job);
            }
        }
    }

    /// <summary>Waits until the job has completed (and its webhook was handed to the sender).</summary>
    public Task WaitCompletedAsync(string id, CancellationToken cancellationToken = default) => Get(id).Completed.Task.WaitAsync(cancellationToken);

    internal FakeJob Accept(string model, JsonObject input, JsonNode countedBody, Uri? webhookUrl)
    {
        var outcome = outcomes.TryDequeue(out var next) ? next : FakeJobOutcome.Success;
        var job = new FakeJob(Guid.NewGuid().ToString(), model, input, webhookUrl, outcome, InitialQueuePosition, DateTimeOffset.UtcNow);
        jobs[job.Id] = job;
        submitsByRequest.AddOrUpdate(CanonicalJson.RequestHash(model, countedBody), 1, (_, n) => n + 1);
        Interlocked.Increment(ref totalSubmits);
        if (Progression is TimedProgression timed)
        {
            _ = RunTimelineAsync(job, timed);
        }

        return job;
    }

    internal async Task OnStatusPollAsync(FakeJob job)
    {
        var polls = job.RecordPoll();
        if (Progression is PerPollProgression && polls > 1 && job.Advance(DateTimeOffset.UtcNow))
        {
            await CompleteInternalAsync(job);
        }
    }

    internal async Task CancelledAsync(FakeJob job)
    {
        if (job.State == FakeJobState.Completed)
        {
            await CompleteInternalAsync(job);
        }
    }

    public void Reset()
    {
        jobs.Clear();
        submitsByRequest.Clear();
        outcomes.Clear();
        Interlocked.Exchange(ref totalSubmits, 0);
    }

    private async Task RunTimelineAsync(FakeJob job, TimedProgression timed)
    {
        await Task.Delay(timed.Queue);
        if (job.State == FakeJobState.Queued && job.Advance(DateTimeOffset.UtcNow))
        {
            await CompleteInternalAsync(job);
            return;
        }

        await Task.Delay(timed.Run);
        if (job.State == FakeJobState.Running && job.Advance(DateTimeOffset.UtcNow))
        {
            await CompleteInternalAsync(job);
        }
    }

    private async Task CompleteInternalAsync(FakeJob job)
    {
        try
        {
            await onCompleted(job);
        }
        finally
        {
            job.Completed.TrySetResult();
        }
    }
}
