namespace Montage.JobTracking.Events;

/// <summary>
/// Wakes waiting Lease calls one per job that became leasable (or per concurrency slot freed), not all of them:
/// every woken Lease runs the candidate query, so waking N waiters for one job costs N queries of which N-1 find
/// nothing (measured: 4.7 candidate queries per job with 32 workers before this).
/// <para>
/// No wake-up is lost: a waiter registers BEFORE it looks at the database, so a wake-up that arrives while it looks
/// is kept, and a waiter that leaves holding a wake-up it did not act on (it found jobs meanwhile, timed out or was
/// canceled) hands that wake-up on to the next waiter of the same kind. Spurious wake-ups only cost a query;
/// Lease still polls as a fallback.
/// </para>
/// </summary>
internal sealed class LeaseWakeups
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedList<Waiter>> _byKind = new(StringComparer.Ordinal);

    /// <summary>Registers a waiter for any of <paramref name="kinds"/>; call before looking for jobs.</summary>
    public Waiter Register(IReadOnlyCollection<string> kinds)
    {
        var waiter = new Waiter();
        lock (_lock)
        {
            foreach (var kind in kinds)
            {
                if (!_byKind.TryGetValue(kind, out var list))
                {
                    list = new LinkedList<Waiter>();
                    _byKind[kind] = list;
                }

                waiter.Nodes.Add(list.AddLast(waiter));
            }
        }

        return waiter;
    }

    /// <summary>Wakes up to <paramref name="count"/> waiters of <paramref name="kind"/>, longest waiting first.</summary>
    public void Wake(string kind, int count)
    {
        lock (_lock)
        {
            if (!_byKind.TryGetValue(kind, out var list))
            {
                return;
            }

            while (count > 0 && list.First is { } first)
            {
                var waiter = first.Value;
                Unlink(waiter);
                waiter.WokenBy = kind;
                waiter.Completion.TrySetResult();
                count--;
            }
        }
    }

    /// <summary>Wakes every waiter of <paramref name="kind"/> (a message without a count, from an older replica).</summary>
    public void WakeAll(string kind) => Wake(kind, int.MaxValue);

    /// <summary>
    /// The waiter stops waiting without acting on a wake-up (it returns, or waits again after a poll timeout): it is
    /// removed, and a wake-up it received meanwhile goes to the next waiter.
    /// </summary>
    public void Leave(Waiter waiter)
    {
        string? forward;
        lock (_lock)
        {
            Unlink(waiter);
            forward = waiter.WokenBy;
            waiter.WokenBy = null;
        }

        if (forward is not null)
        {
            Wake(forward, 1);
        }
    }

    /// <summary>The waiter woke and is about to look again: the wake-up is used, nothing to hand on.</summary>
    public void Consume(Waiter waiter)
    {
        lock (_lock)
        {
            Unlink(waiter);
            waiter.WokenBy = null;
        }
    }

    /// <summary>Waiters currently registered for <paramref name="kind"/> (tests).</summary>
    public int Count(string kind)
    {
        lock (_lock)
        {
            return _byKind.TryGetValue(kind, out var list) ? list.Count : 0;
        }
    }

    private static void Unlink(Waiter waiter)
    {
        foreach (var node in waiter.Nodes)
        {
            node.List?.Remove(node);
        }

        waiter.Nodes.Clear();
    }

    internal sealed class Waiter
    {
        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<LinkedListNode<Waiter>> Nodes { get; } = [];

        /// <summary>The kind whose wake-up this waiter holds and has not acted on yet.</summary>
        public string? WokenBy { get; set; }

        public Task Woken => Completion.Task;
    }
}
