namespace Montage.ReverseProxy.Forwarder;

/// <summary>
/// Cancels a forwarded request after a period without activity; every chunk copied in either direction starts the
/// period again. Without a timeout it only carries the caller's cancellation.
/// </summary>
internal sealed class ActivityTimer : IDisposable
{
    private readonly CancellationTokenSource _source;
    private readonly TimeSpan? _timeout;
    private bool _cancelled;

    public ActivityTimer(TimeSpan? timeout, CancellationToken requestAborted)
    {
        _timeout = timeout;
        _source = CancellationTokenSource.CreateLinkedTokenSource(requestAborted);
        Reset();
    }

    public CancellationToken Token => _source.Token;

    /// <summary>True once the timeout fired (as opposed to the client going away or <see cref="Cancel"/>).</summary>
    public bool TimedOut { get; private set; }

    public void Reset()
    {
        if (_timeout is { } timeout)
        {
            try
            {
                _source.CancelAfter(timeout);
            }
            catch (ObjectDisposedException)
            {
                // The request already ended.
            }
        }
    }

    /// <summary>Records whether the cancellation seen was the timeout, for error reporting.</summary>
    public void ObserveCancellation(CancellationToken requestAborted)
    {
        if (_source.IsCancellationRequested && !requestAborted.IsCancellationRequested && !_cancelled)
        {
            TimedOut = true;
        }
    }

    /// <summary>Stops whatever still uses the token (e.g. a request body copy after the response ended).</summary>
    public void Cancel()
    {
        _cancelled = true;
        try
        {
            _source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already disposed.
        }
    }

    public void Dispose() => _source.Dispose();
}
