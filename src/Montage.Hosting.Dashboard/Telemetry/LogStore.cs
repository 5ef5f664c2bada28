namespace Montage.Hosting.Dashboard.Telemetry;

/// <summary>Structured log records in arrival order, at most <c>capacity</c> (the oldest are evicted).</summary>
public sealed class LogStore
{
    private readonly Lock _gate = new();
    private readonly Queue<LogEntry> _entries = new();
    private readonly int _capacity;
    private long _lastId;

    public LogStore(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    public ChangeSignal Changes { get; } = new();

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Adds records, assigning their <see cref="LogEntry.Id"/>.</summary>
    public void Add(IEnumerable<LogEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var added = false;
        lock (_gate)
        {
            foreach (var entry in entries)
            {
                _entries.Enqueue(entry with { Id = ++_lastId });
                if (_entries.Count > _capacity)
                {
                    _entries.Dequeue();
                }

                added = true;
            }
        }

        if (added)
        {
            Changes.Notify();
        }
    }

    /// <summary>Matching records, newest first.</summary>
    public IReadOnlyList<LogEntry> Query(LogQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        LogEntry[] snapshot;
        lock (_gate)
        {
            snapshot = [.. _entries];
        }

        var result = new List<LogEntry>();
        for (var i = snapshot.Length - 1; i >= 0 && result.Count < query.Limit; i--)
        {
            var entry = snapshot[i];
            if (query.AfterId is { } after && entry.Id <= after)
            {
                break;
            }

            if (Matches(entry, query))
            {
                result.Add(entry);
            }
        }

        return result;
    }

    public IReadOnlyList<string> Services()
    {
        lock (_gate)
        {
            return _entries.Select(e => e.ServiceName).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        }
    }

    private static bool Matches(LogEntry entry, LogQuery query)
    {
        if (!string.IsNullOrEmpty(query.Service) && !string.Equals(entry.ServiceName, query.Service, StringComparison.Ordinal))
        {
            return false;
        }

        if (query.MinSeverityNumber is { } minimum && entry.SeverityNumber < minimum)
        {
            return false;
        }

        if (!string.IsNullOrEmpty(query.TraceId) && !string.Equals(entry.TraceId, query.TraceId, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return string.IsNullOrEmpty(query.Text)
            || entry.Message.Contains(query.Text, StringComparison.OrdinalIgnoreCase)
            || entry.Attributes.Any(a => a.Value.Contains(query.Text, StringComparison.OrdinalIgnoreCase));
    }
}
