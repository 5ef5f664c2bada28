namespace Montage.JobTracking.Events;

/// <summary>
/// A pulse that wakes every current waiter. A waiter takes <see cref="Next"/> BEFORE looking at the database, so a
/// pulse that happens while it looks is not missed.
/// </summary>
internal sealed class Signal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Next => Volatile.Read(ref _next).Task;

    public void Pulse()
    {
        var fresh = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var previous = Interlocked.Exchange(ref _next, fresh);
        previous.TrySetResult();
    }
}
