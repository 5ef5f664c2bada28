namespace Montage.Gateway.Events;

/// <summary>
/// Bounds how many job event streams talk to JobTracker at once while they open (their Gets and the per-job Watch
/// that replays a job's past). A thousand streams opening together would otherwise be a thousand Watches at once, each
/// re-reading Postgres on every change of JobTracking's event watermark, and exhaust its connection pool; with the gate
/// they wait their turn (a replay lasts one read), and a stream never fails because others opened with it.
/// </summary>
internal sealed class EventReplayGate(int concurrency) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(concurrency, concurrency);

    /// <summary>Waits for a slot; dispose the result to give it back.</summary>
    public async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Slot(_slots);
    }

    public void Dispose() => _slots.Dispose();

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release();
            }
        }
    }
}
