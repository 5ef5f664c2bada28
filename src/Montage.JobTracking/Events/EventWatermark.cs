using Microsoft.Extensions.Options;
using Montage.JobTracking.Persistence;
using Npgsql;

namespace Montage.JobTracking.Events;

/// <summary>
/// The highest event sequence below which the event log is settled: every sequence up to it is either in the
/// table or known never to arrive. Watch streams emit only events at or below it.
/// <para>
/// Why: a bigserial value is taken when the row is inserted, not when its transaction commits, so two
/// concurrent transactions can commit out of order (sequence 11 visible while 10 is still in flight). A reader
/// that emitted 11 and moved its cursor past it would never emit 10: a silent gap. Instead this service walks
/// the global sequence upward and stops at the first hole. A hole normally closes within the commit latency
/// (the event insert is the last statement before COMMIT, so the window is just the commit itself); a hole
/// that stays open longer than <see cref="JobTrackingOptions.EventGapTimeout"/> is a rolled-back transaction
/// (its sequence value is burnt) and is skipped. One walk per replica serves every watcher, and it runs on
/// every commit notification (local or Redis) plus a fallback poll, so it costs one index-only range scan.
/// </para>
/// <para>
/// Fast path: a COMMIT on this replica reports the sequences it appended. A sequence known committed that is
/// next after the watermark settles at once, without reading the table: nothing below it is in flight. So on
/// one replica the watermark follows commits with no database round trip; sequences from other replicas (and
/// rolled-back ones) still wait for the walk.
/// </para>
/// </summary>
internal sealed partial class EventWatermark(
    NpgsqlDataSource dataSource, JobNotifier notifier, IOptions<JobTrackingOptions> options, TimeProvider time, ILogger<EventWatermark> logger)
    : BackgroundService
{
    private const int WalkBatch = 10_000;
    private const int MaxKnownCommitted = 100_000;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SortedSet<long> _knownCommitted = [];
    private readonly Lock _advance = new();
    private long _watermark;
    private long _gapStart = -1;
    private long _gapSeenAt;

    public long Current => Volatile.Read(ref _watermark);

    /// <summary>Pulsed whenever <see cref="Current"/> moves up.</summary>
    public Signal Advanced { get; } = new();

    /// <summary>Completes once the first watermark is known.</summary>
    public Task Ready => _ready.Task;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        notifier.Committed += OnLocalCommit;
        return base.StartAsync(cancellationToken);
    }

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        notifier.Committed -= OnLocalCommit;
        return base.StopAsync(cancellationToken);
    }

    /// <summary>Settles locally committed sequences that continue the watermark (see the fast path above).</summary>
    internal void OnLocalCommit(IReadOnlyList<CommittedEvent> events)
    {
        if (!_ready.Task.IsCompleted)
        {
            // The first walk has not run yet; it will find these.
            notifier.EventsAppended.Pulse();
            return;
        }

        bool moved;
        bool unsettled;
        lock (_advance)
        {
            foreach (var e in events)
            {
                if (e.Sequence > _watermark)
                {
                    _knownCommitted.Add(e.Sequence);
                }
            }

            moved = SettleKnownCommitted();
            unsettled = _knownCommitted.Count > 0;
            if (_knownCommitted.Count > MaxKnownCommitted)
            {
                // A long-lived hole (another replica's slow commit): the walk will settle these from the table.
                _knownCommitted.Clear();
            }
        }

        if (moved)
        {
            Advanced.Pulse();
        }

        if (unsettled)
        {
            // A sequence below these is not known committed: only the walk (with its gap timeout) can settle it.
            notifier.EventsAppended.Pulse();
        }
    }

    /// <summary>Under <see cref="_advance"/>: moves the watermark through known committed sequences; true if it moved.</summary>
    private bool SettleKnownCommitted()
    {
        var start = _watermark;
        var next = start;
        while (_knownCommitted.Count > 0 && _knownCommitted.Min <= next + 1)
        {
            next = Math.Max(next, _knownCommitted.Min);
            _knownCommitted.Remove(_knownCommitted.Min);
        }

        if (next != start)
        {
            Volatile.Write(ref _watermark, next);
        }

        return next != start;
    }

    /// <summary>Raises the watermark to <paramref name="settled"/> (never lowers it: the fast path may be ahead of a walk).</summary>
    private bool AdvanceTo(long settled)
    {
        lock (_advance)
        {
            var moved = false;
            if (settled > _watermark)
            {
                Volatile.Write(ref _watermark, settled);
                moved = true;
            }

            return SettleKnownCommitted() || moved;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var initialized = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            var pulse = notifier.EventsAppended.Next;
            var wait = settings.EventPollFallback;
            try
            {
                if (!initialized)
                {
                    AdvanceTo(await InitialAsync(settings.EventGapTimeout, stoppingToken).ConfigureAwait(false));
                    initialized = true;
                    _ready.TrySetResult();
                }

                var (moved, gapPending, more) = await WalkAsync(settings.EventGapTimeout, stoppingToken).ConfigureAwait(false);
                if (moved)
                {
                    Advanced.Pulse();
                }

                if (more)
                {
                    continue;
                }

                if (gapPending)
                {
                    // A transaction is committing right now; look again very soon.
                    wait = TimeSpan.FromMilliseconds(2);
                }
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException or InvalidOperationException && !stoppingToken.IsCancellationRequested)
            {
                LogWalkFailed(logger, exception.GetType().Name);
            }

            try
            {
                await Task.WhenAny(pulse, Task.Delay(wait, time, stoppingToken)).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<long> InitialAsync(TimeSpan gapTimeout, CancellationToken cancellationToken)
    {
        // Events older than the gap timeout are settled; the walk then covers the recent ones.
        await using var command = dataSource.CreateCommand("""
            SELECT coalesce(
                (SELECT sequence FROM job_events WHERE time < $1 ORDER BY time DESC, sequence DESC LIMIT 1),
                (SELECT min(sequence) - 1 FROM job_events),
                (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM job_events_sequence_seq))
            """);
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = time.GetUtcNow().UtcDateTime - gapTimeout });
        var result = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return result is long value ? value : 0;
    }

    private async Task<(bool Moved, bool GapPending, bool More)> WalkAsync(TimeSpan gapTimeout, CancellationToken cancellationToken)
    {
        var start = Current;
        var watermark = start;
        var rows = 0;
        var gapPending = false;
        await using (var command = dataSource.CreateCommand($"SELECT sequence FROM job_events WHERE sequence > $1 ORDER BY sequence LIMIT {WalkBatch}"))
        {
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = start });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows++;
                var sequence = reader.GetInt64(0);
                if (sequence != watermark + 1)
                {
                    var hole = watermark + 1;
                    var now = time.GetTimestamp();
                    if (_gapStart != hole)
                    {
                        _gapStart = hole;
                        _gapSeenAt = now;
                    }

                    if (time.GetElapsedTime(_gapSeenAt, now) < gapTimeout)
                    {
                        gapPending = true;
                        break;
                    }

                    LogGapSkipped(logger, hole, sequence - 1);
                }

                watermark = sequence;
            }
        }

        var moved = watermark != start && AdvanceTo(watermark);
        return (moved, gapPending, !gapPending && rows == WalkBatch);
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Warning, Message = "Event watermark could not advance ({Error}); retrying.")]
    private static partial void LogWalkFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "Event sequences {From}..{To} never committed (rolled back); skipped.")]
    private static partial void LogGapSkipped(ILogger logger, long from, long to);
}
