namespace Montage.Gateway.Callbacks;

/// <summary>Wakes the sender when a delivery was queued, so the first attempt is immediate, not a poll period later.</summary>
internal sealed class CallbackSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify()
    {
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signaled.
        }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);
}
