using Montage.Providers.Abstractions;

namespace Montage.Providers.Local;

/// <summary>One render of the local provider, as it moves from queued to running to done.</summary>
internal sealed class LocalJob(string id, string modelId, string directory) : IDisposable
{
    private readonly object _gate = new();
    private ProviderJobState _state = ProviderJobState.Queued;
    private RenderProgress? _progress;
    private LocalRenderResult? _result;
    private ProviderError? _error;

    public string Id { get; } = id;
    public string ModelId { get; } = modelId;
    public string Directory { get; } = directory;
    public CancellationTokenSource Cancellation { get; } = new();
    public DateTimeOffset SubmittedAt { get; } = DateTimeOffset.UtcNow;

    /// <summary>When the job completed or failed; null while it is queued or running.</summary>
    public DateTimeOffset? FinishedAt { get; private set; }

    public (ProviderJobState State, RenderProgress? Progress, LocalRenderResult? Result, ProviderError? Error) Snapshot()
    {
        lock (_gate)
        {
            return (_state, _progress, _result, _error);
        }
    }

    public void Start()
    {
        lock (_gate)
        {
            _state = ProviderJobState.Running;
        }
    }

    public void Report(RenderProgress progress)
    {
        lock (_gate)
        {
            _progress = progress;
        }
    }

    public void Complete(LocalRenderResult result)
    {
        lock (_gate)
        {
            (_state, _result, FinishedAt) = (ProviderJobState.Completed, result, DateTimeOffset.UtcNow);
        }
    }

    public void Fail(ProviderError error)
    {
        lock (_gate)
        {
            (_state, _error, FinishedAt) = (ProviderJobState.Failed, error, DateTimeOffset.UtcNow);
        }
    }

    public void Dispose() => Cancellation.Dispose();
}
