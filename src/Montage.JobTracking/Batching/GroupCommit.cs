using System.Threading.Channels;

namespace Montage.JobTracking.Batching;

/// <summary>
/// Group commit for one kind of write RPC: the operations that arrive while the previous batch of this kind is
/// executing are executed together, in one transaction with one commit, and each caller is answered after that
/// commit. There is no added delay: a lone call is executed at once through the single-item path, exactly as
/// without batching; batches only form under concurrency, and are capped at <see cref="MaxBatch"/> items.
/// <para>
/// The batch function answers per item (one failing item does not fail the others). If the batch transaction fails
/// as a whole (anything but a per-item answer: a constraint two items broke together, a lost connection), each of
/// its items is executed again on its own through the single-item path, which gives each its own precise answer.
/// </para>
/// <para>
/// A caller whose cancellation fires while its item waits in the queue takes it out (it is never executed). Once the
/// item is in an executing batch, it commits with the batch or not at all; the caller stops waiting and gets its
/// cancellation status.
/// </para>
/// </summary>
internal sealed partial class GroupCommit<TItem, TResult> : IAsyncDisposable
{
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = false });
    private readonly Func<IReadOnlyList<TItem>, CancellationToken, Task<Func<TResult>[]>> _runBatch;
    private readonly Func<TItem, CancellationToken, Task<TResult>> _runOne;
    private readonly ILogger _logger;
    private readonly string _name;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task[] _executors;

    /// <param name="name">The RPC, for logs.</param>
    /// <param name="runBatch">Executes two or more items in one transaction; returns one answer per item, in order (a result, or the item's own error when invoked).</param>
    /// <param name="runOne">The single-item path: a lone item, and the fallback after a failed batch.</param>
    /// <param name="maxBatch">At most this many items per batch.</param>
    /// <param name="executors">Batches of this kind executing at once (each holds one database connection while it runs).</param>
    /// <param name="logger">Where a batch that failed as a whole is reported.</param>
    public GroupCommit(
        string name, Func<IReadOnlyList<TItem>, CancellationToken, Task<Func<TResult>[]>> runBatch, Func<TItem, CancellationToken, Task<TResult>> runOne,
        int maxBatch, int executors, ILogger logger)
    {
        _name = name;
        _runBatch = runBatch;
        _runOne = runOne;
        _logger = logger;
        MaxBatch = maxBatch;
        _executors = Enumerable.Range(0, executors).Select(_ => Task.Run(ExecuteLoopAsync)).ToArray();
    }

    public int MaxBatch { get; }

    /// <summary>Batches of two or more items executed so far, and the items in them (for tests and diagnostics).</summary>
    public (long Batches, long Items) Batched => (Interlocked.Read(ref _batches), Interlocked.Read(ref _batchedItems));

    private long _batches;
    private long _batchedItems;

    public async Task<TResult> RunAsync(TItem item, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var pending = new Pending(item);
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(GroupCommit<TItem, TResult>));
        }

        try
        {
            return await pending.Answer.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Still queued: dropped, never executed. Already taken: it commits with its batch or not at all.
            pending.Abandon();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_executors).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        while (_queue.Reader.TryRead(out var left))
        {
            left.Answer.TrySetCanceled();
        }

        _stopping.Dispose();
    }

    private async Task ExecuteLoopAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<Pending>(MaxBatch);
        while (await reader.WaitToReadAsync(_stopping.Token).ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < MaxBatch && reader.TryRead(out var pending))
            {
                if (pending.TryTake())
                {
                    batch.Add(pending);
                }
            }

            if (batch.Count == 1)
            {
                await RunOneAsync(batch[0]).ConfigureAwait(false);
            }
            else if (batch.Count > 1)
            {
                await RunBatchAsync(batch).ConfigureAwait(false);
            }
        }
    }

    private async Task RunBatchAsync(List<Pending> batch)
    {
        Func<TResult>[] answers;
        try
        {
            answers = await _runBatch(batch.Select(p => p.Item).ToList(), _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Shutting down: the transaction was abandoned before COMMIT.
            foreach (var pending in batch)
            {
                pending.Answer.TrySetCanceled();
            }

            return;
        }
#pragma warning disable CA1031 // any failure of the batch as a whole: its items get their own answers below
        catch (Exception exception)
#pragma warning restore CA1031
        {
            // Rolled back as a whole: nothing of it committed. Each item on its own gets its own answer.
            LogBatchFailed(_logger, _name, batch.Count, exception.GetType().Name);
            foreach (var pending in batch)
            {
                await RunOneAsync(pending).ConfigureAwait(false);
            }

            return;
        }

        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _batchedItems, batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            try
            {
                batch[i].Answer.TrySetResult(answers[i]());
            }
#pragma warning disable CA1031 // the item's own error, handed to its caller
            catch (Exception exception)
#pragma warning restore CA1031
            {
                batch[i].Answer.TrySetException(exception);
            }
        }
    }

    private async Task RunOneAsync(Pending pending)
    {
        try
        {
            pending.Answer.TrySetResult(await _runOne(pending.Item, _stopping.Token).ConfigureAwait(false));
        }
#pragma warning disable CA1031 // the item's own error, handed to its caller
        catch (Exception exception)
#pragma warning restore CA1031
        {
            pending.Answer.TrySetException(exception);
        }
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Warning, Message = "A {Rpc} batch of {Count} failed as a whole ({Error}); its items run one by one.")]
    private static partial void LogBatchFailed(ILogger logger, string rpc, int count, string error);

    private sealed class Pending(TItem item)
    {
        private const int Queued = 0;
        private const int Taken = 1;
        private const int Abandoned = 2;
        private int _state;

        public TItem Item { get; } = item;

        public TaskCompletionSource<TResult> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>The executor takes the item; false if its caller gave up first.</summary>
        public bool TryTake() => Interlocked.CompareExchange(ref _state, Taken, Queued) == Queued;

        /// <summary>The caller gives up; the item is dropped if no batch has taken it yet.</summary>
        public void Abandon()
        {
            if (Interlocked.CompareExchange(ref _state, Abandoned, Queued) == Queued)
            {
                Answer.TrySetCanceled();
            }
        }
    }
}
