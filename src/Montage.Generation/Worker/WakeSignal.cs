namespace Montage.Generation.Worker;

/// <summary>
/// Ends a poll interval early when the provider announced something (a webhook reached JobTracker). A pulse that
/// arrives while nobody waits is kept until the next wait, so a webhook that lands during a status call is not lost;
/// one wait consumes every pulse before it, so a burst of duplicate deliveries cannot make the poll loop spin.
/// </summary>
internal sealed class WakeSignal
{
    private readonly Lock _gate = new();
    private TaskCompletionSource _next = NewSource();
    private long _pulses;
    private long _consumed;

    public void Pulse()
    {
        TaskCompletionSource fired;
        lock (_gate)
        {
            _pulses++;
            fired = _next;
            _next = NewSource();
        }

        fired.TrySetResult();
    }

    /// <summary>Completes at the next pulse, or at once when a pulse came since the last wait.</summary>
    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        Task next;
        lock (_gate)
        {
            if (_pulses > _consumed)
            {
                _consumed = _pulses;
                return;
            }

            next = _next.Task;
        }

        await next.WaitAsync(cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _consumed = _pulses;
        }
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
