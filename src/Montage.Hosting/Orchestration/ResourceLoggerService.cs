using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Montage.Hosting.ApplicationModel;

/// <summary>Console output of every resource: a bounded ring buffer per resource plus live subscriptions.</summary>
public sealed class ResourceLoggerService
{
    private readonly ConcurrentDictionary<string, ConsoleLog> _logs = new(StringComparer.Ordinal);
    private readonly int _capacity;

    public ResourceLoggerService(int capacityPerResource = 5000) => _capacity = capacityPerResource;

    /// <summary>The lines still in the buffer, oldest first.</summary>
    public IReadOnlyList<LogLine> GetLines(string resourceName) => Log(resourceName).Snapshot();

    /// <summary>The buffered lines, then every new line until cancelled.</summary>
    public IAsyncEnumerable<LogLine> WatchAsync(string resourceName, CancellationToken cancellationToken = default) =>
        Log(resourceName).WatchAsync(includeBacklog: true, cancellationToken);

    /// <summary>Only the lines written after the call, until cancelled.</summary>
    public IAsyncEnumerable<LogLine> WatchNewAsync(string resourceName, CancellationToken cancellationToken = default) =>
        Log(resourceName).WatchAsync(includeBacklog: false, cancellationToken);

    internal void Write(string resourceName, string instanceId, LogSource source, string text) =>
        Log(resourceName).Append(instanceId, source, text);

    private ConsoleLog Log(string resourceName) => _logs.GetOrAdd(resourceName, _ => new ConsoleLog(_capacity));

    private sealed class ConsoleLog(int capacity)
    {
        private readonly Lock _lock = new();
        private readonly Queue<LogLine> _lines = new();
        private readonly List<Channel<LogLine>> _subscribers = [];
        private long _sequence;

        public void Append(string instanceId, LogSource source, string text)
        {
            lock (_lock)
            {
                var line = new LogLine(++_sequence, DateTimeOffset.UtcNow, instanceId, source, text);
                if (_lines.Count == capacity)
                {
                    _lines.Dequeue();
                }

                _lines.Enqueue(line);
                foreach (var subscriber in _subscribers)
                {
                    subscriber.Writer.TryWrite(line);
                }
            }
        }

        public IReadOnlyList<LogLine> Snapshot()
        {
            lock (_lock)
            {
                return [.. _lines];
            }
        }

        public async IAsyncEnumerable<LogLine> WatchAsync(bool includeBacklog, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            // A slow reader loses the oldest live lines rather than growing memory without bound.
            var channel = Channel.CreateBounded<LogLine>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest });
            LogLine[] backlog;
            lock (_lock)
            {
                backlog = includeBacklog ? [.. _lines] : [];
                _subscribers.Add(channel);
            }

            try
            {
                foreach (var line in backlog)
                {
                    yield return line;
                }

                await foreach (var line in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                {
                    yield return line;
                }
            }
            finally
            {
                lock (_lock)
                {
                    _subscribers.Remove(channel);
                }
            }
        }
    }
}
