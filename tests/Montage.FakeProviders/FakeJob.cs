using System.Text.Json.Nodes;

namespace Montage.FakeProviders;

public enum FakeJobState
{
    Queued,
    Running,
    Completed,
}

/// <summary>How a fake job ends; chosen per submit with <c>EnqueueOutcome</c>.</summary>
public enum FakeJobOutcome
{
    Success,
    ContentPolicy,
    ValidationError,
    InternalError,
    StartTimeout,
    GenerationFailed,
    Cancelled,
}

/// <summary>One accepted job in a fake provider.</summary>
public sealed class FakeJob
{
    private readonly Lock gate = new();

    internal FakeJob(string id, string model, JsonObject input, Uri? webhookUrl, FakeJobOutcome outcome, int queuePosition, DateTimeOffset createdAt)
    {
        Id = id;
        Model = model;
        Input = input;
        WebhookUrl = webhookUrl;
        Outcome = outcome;
        QueuePosition = queuePosition;
        CreatedAt = createdAt;
        UpdatedAt = createdAt;
        MediaKind = FakeOutputs.KindFor(model, input);
    }

    public string Id { get; }

    public string Model { get; }

    public JsonObject Input { get; }

    public Uri? WebhookUrl { get; }

    public FakeMediaKind MediaKind { get; }

    public DateTimeOffset CreatedAt { get; }

    public DateTimeOffset UpdatedAt { get; private set; }

    public FakeJobState State { get; private set; } = FakeJobState.Queued;

    public FakeJobOutcome Outcome { get; private set; }

    public int QueuePosition { get; private set; }

    public bool CancelRequested { get; private set; }

    /// <summary>Outputs expire at this time (fal lifecycle header); null = never.</summary>
    public DateTimeOffset? OutputsExpireAt { get; internal set; }

    public int StatusPolls { get; private set; }

    internal TaskCompletionSource Completed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Moves one step (queued -> running -> completed); returns true when this call completed the job.</summary>
    internal bool Advance(DateTimeOffset now)
    {
        lock (gate)
        {
            switch (State)
            {
                case FakeJobState.Queued when Outcome is FakeJobOutcome.StartTimeout or FakeJobOutcome.Cancelled:
                    State = FakeJobState.Completed;
                    break;
                case FakeJobState.Queued:
                    State = FakeJobState.Running;
                    QueuePosition = 0;
                    break;
                case FakeJobState.Running:
                    State = FakeJobState.Completed;
                    break;
                default:
                    return false;
            }

            UpdatedAt = now;
            return State == FakeJobState.Completed;
        }
    }

    internal int RecordPoll()
    {
        lock (gate)
        {
            StatusPolls++;
            if (State == FakeJobState.Queued && QueuePosition > 0 && StatusPolls > 1)
            {
                QueuePosition--;
            }

            return StatusPolls;
        }
    }

    /// <summary>A queued job is cancelled at once; a running one only notes the request and still completes.</summary>
    internal FakeJobState RequestCancel(DateTimeOffset now)
    {
        lock (gate)
        {
            var before = State;
            if (State == FakeJobState.Queued)
            {
                Outcome = FakeJobOutcome.Cancelled;
                State = FakeJobState.Completed;
                UpdatedAt = now;
            }
            else if (State == FakeJobState.Running)
            {
                CancelRequested = true;
            }

            return before;
        }
    }
}
