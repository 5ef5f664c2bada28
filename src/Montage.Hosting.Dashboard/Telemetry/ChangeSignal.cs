namespace Montage.Hosting.Dashboard.Telemetry;

/// <summary>
/// A version number that goes up on every change, and a way to wait for the next one. Live views wait on it
/// instead of polling the stores.
/// </summary>
public sealed class ChangeSignal
{
    private readonly Lock _gate = new();
    private TaskCompletionSource _next = NewSource();
    private long _version;

    public long Version => Interlocked.Read(ref _version);

    public void Notify()
    {
        TaskCompletionSource completed;
        lock (_gate)
        {
            _version++;
            completed = _next;
            _next = NewSource();
        }

        completed.TrySetResult();
    }

    /// <summary>Completes when <see cref="Version"/> differs from <paramref name="seenVersion"/>.</summary>
    public Task WaitAsync(long seenVersion, CancellationToken cancellationToken)
    {
        Task next;
        lock (_gate)
        {
            if (_version != seenVersion)
            {
                return Task.CompletedTask;
            }

            next = _next.Task;
        }

        return next.WaitAsync(cancellationToken);
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
