using Google.Protobuf;
using Montage.Contracts.Jobs.V1;
using Montage.JobTracking.Events;
using Npgsql;
using NpgsqlTypes;

namespace Montage.JobTracking.Persistence;

/// <summary>
/// One short database transaction over jobs, sent in as few round trips as its logic allows. Writes whose
/// outcome the logic does not read (row updates, inserts) are not sent on their own: they travel in front of the
/// next read, or with the event append and COMMIT, in one <see cref="NpgsqlBatch"/>. BEGIN rides on the first
/// batch. So a job RPC costs one round trip per decision it must read from the database (usually one: lock the
/// row) plus one for the commit, and an RPC that needs no read (Submit without cache or dependencies) costs one.
/// <para>
/// The events describing the changes are appended as the last statement before COMMIT, in the same batch, so
/// their sequence numbers are taken as late as possible (see <see cref="EventWatermark"/>). Notifications go
/// out only after COMMIT.
/// </para>
/// </summary>
internal sealed class JobTransaction : IAsyncDisposable
{
    private static readonly string UpdateSql = BuildUpdateSql();
    private static readonly string InsertSql =
        $"INSERT INTO jobs ({JobRecord.Columns}) VALUES ({string.Join(", ", Enumerable.Range(1, JobRecord.Columns.Split(',').Length).Select(i => "$" + i))})";

    private const string AppendEventsSql = """
        WITH e AS (
            INSERT INTO job_events (job_id, owner, production_id, type, payload)
            SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::bytea[])
            RETURNING sequence, job_id),
        u AS (
            UPDATE jobs j SET last_event_sequence = m.seq
            FROM (SELECT job_id, max(sequence) AS seq FROM e GROUP BY job_id) m
            WHERE j.id = m.job_id)
        SELECT sequence FROM e ORDER BY sequence
        """;

    private readonly NpgsqlConnection _connection;
    private readonly JobNotifier _notifier;
    private readonly List<NpgsqlBatchCommand> _pendingWrites = [];
    private readonly List<PendingEvent> _events = [];
    private readonly Dictionary<string, int> _wakeKinds = new(StringComparer.Ordinal);
    private readonly HashSet<Guid> _providerWakes = [];
    private bool _begun;
    private bool _committed;

    private JobTransaction(NpgsqlConnection connection, JobNotifier notifier, DateTime now)
    {
        _connection = connection;
        _notifier = notifier;
        Now = now;
    }

    /// <summary>The transaction's clock reading (UTC, microsecond precision like Postgres).</summary>
    public DateTime Now { get; }

    public static async Task<JobTransaction> BeginAsync(NpgsqlDataSource dataSource, JobNotifier notifier, TimeProvider time, CancellationToken cancellationToken)
    {
        // Nothing is sent yet: BEGIN goes with the first batch.
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow().UtcDateTime;
        now = new DateTime(now.Ticks - (now.Ticks % 10), DateTimeKind.Utc);
        return new JobTransaction(connection, notifier, now);
    }

    /// <summary>A statement with positional parameters ($1, $2, ...) in the given order.</summary>
    public static NpgsqlBatchCommand Sql(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }

    /// <summary>
    /// Writes and events added so far. A batch of several callers' operations compares it before and after an item
    /// that failed, to know the item left nothing behind in the shared transaction.
    /// </summary>
    public int Changes { get; private set; }

    /// <summary>A write whose result is not needed: sent with the next read or the commit.</summary>
    public void Write(NpgsqlBatchCommand command)
    {
        _pendingWrites.Add(command);
        Changes++;
    }

    public async Task<JobRecord?> LoadForUpdateAsync(Guid id, CancellationToken cancellationToken)
    {
        var list = await LoadManyForUpdateAsync([id], cancellationToken).ConfigureAwait(false);
        return list.Count == 0 ? null : list[0];
    }

    /// <summary>Locks rows in id order, so that two transactions locking overlapping sets cannot deadlock.</summary>
    public async Task<List<JobRecord>> LoadManyForUpdateAsync(IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return [];
        }

        return await ReadJobsAsync(LockJobsSql(ids), cancellationToken).ConfigureAwait(false);
    }

    public static NpgsqlBatchCommand LockJobsSql(IReadOnlyCollection<Guid> ids) =>
        Sql($"SELECT {JobRecord.Columns} FROM jobs WHERE id = ANY($1) ORDER BY id FOR UPDATE", new NpgsqlParameter<Guid[]> { TypedValue = ids.ToArray() });

    public async Task<List<JobRecord>> ReadJobsAsync(NpgsqlBatchCommand command, CancellationToken cancellationToken)
    {
        var jobs = new List<JobRecord>();
        await ReadAsync(cancellationToken, (command, r => jobs.Add(JobRecord.Read(r)))).ConfigureAwait(false);
        return jobs;
    }

    public Task ReadAsync(NpgsqlBatchCommand command, Action<NpgsqlDataReader> row, CancellationToken cancellationToken) =>
        ReadAsync(cancellationToken, (command, row));

    /// <summary>
    /// Sends the pending writes and then <paramref name="reads"/> in one round trip; <c>row</c> sees each row of its
    /// statement. Every read must return a result set (a SELECT or a statement with RETURNING).
    /// </summary>
    public async Task ReadAsync(CancellationToken cancellationToken, params (NpgsqlBatchCommand Command, Action<NpgsqlDataReader> Row)[] reads)
    {
        await using var batch = NewBatch();
        foreach (var (command, _) in reads)
        {
            batch.BatchCommands.Add(command);
        }

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < reads.Length; i++)
        {
            // Statements without a result set (BEGIN, the pending writes) are skipped by the reader.
            if (i > 0 && !await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new InvalidOperationException($"Read {i} of the batch returned no result set.");
            }

            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                reads[i].Row(reader);
            }
        }
    }

    public void Insert(JobRecord job)
    {
        var command = new NpgsqlBatchCommand(InsertSql);
        job.AddParameters(command.Parameters);
        Write(command);
    }

    public void Update(JobRecord job)
    {
        job.UpdatedAt = Now;
        var command = new NpgsqlBatchCommand(UpdateSql);
        job.AddParameters(command.Parameters);
        Write(command);
    }

    public void UpdateMany(IEnumerable<JobRecord> jobs)
    {
        foreach (var job in jobs)
        {
            Update(job);
        }
    }

    /// <summary>A state-change event carrying the job as it is now.</summary>
    public void AddStateEvent(JobRecord job, string type)
    {
        var jobEvent = new JobEvent { Type = type, Job = job.ToProto() };
        AddEvent(job, jobEvent);
        if (job.State == JobState.Queued)
        {
            WakeLeasers(job.Kind);
        }
    }

    /// <summary>An event with its own payload (progress, logs, provider events); the job snapshot is left out.</summary>
    public void AddEvent(JobRecord job, JobEvent jobEvent)
    {
        jobEvent.JobId = job.Id.ToString();
        jobEvent.Owner = job.Owner;
        jobEvent.ProductionId = job.ProductionId;
        jobEvent.Time = JobRecord.Stamp(Now);
        _events.Add(new PendingEvent(job, jobEvent));
        Changes++;
    }

    /// <summary>
    /// One more waiting Lease call for this kind looks again after COMMIT (a job was queued or a concurrency slot
    /// freed: either lets at most one more job be leased).
    /// </summary>
    public void WakeLeasers(string kind, int count = 1) => _wakeKinds[kind] = _wakeKinds.GetValueOrDefault(kind) + count;

    public void WakeProviderWaiter(Guid jobId) => _providerWakes.Add(jobId);

    /// <summary>Pending writes, the event append and COMMIT in one round trip; the notifications after it.</summary>
    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        var committed = new List<CommittedEvent>(_events.Count);
        if (_pendingWrites.Count == 0 && _events.Count == 0)
        {
            // Nothing was changed: end the read-only transaction, if one was started.
            if (_begun)
            {
                await using var end = NewBatch();
                end.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
                await end.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            _committed = true;
            _notifier.AfterCommit(committed, _wakeKinds, _providerWakes);
            return;
        }

        await using var batch = NewBatch();
        if (_events.Count > 0)
        {
            batch.BatchCommands.Add(Sql(AppendEventsSql,
                new NpgsqlParameter<Guid[]> { TypedValue = _events.Select(e => e.Job.Id).ToArray() },
                new NpgsqlParameter<string[]> { TypedValue = _events.Select(e => e.Job.Owner).ToArray() },
                new NpgsqlParameter<string[]> { TypedValue = _events.Select(e => e.Job.ProductionId).ToArray() },
                new NpgsqlParameter<string[]> { TypedValue = _events.Select(e => e.Event.Type).ToArray() },
                new NpgsqlParameter { Value = _events.Select(e => e.Event.ToByteArray()).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea }));
        }

        batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            var index = 0;
            while (_events.Count > 0 && await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var pending = _events[index++];
                var sequence = reader.GetInt64(0);
                pending.Job.LastEventSequence = Math.Max(pending.Job.LastEventSequence, sequence);
                committed.Add(new CommittedEvent(sequence, pending.Job.Id, pending.Job.Owner, pending.Job.ProductionId));
            }

            // Reads COMMIT's outcome: a deferred constraint or serialization failure surfaces here, not later.
            while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
            {
            }
        }

        _committed = true;
        _notifier.AfterCommit(committed, _wakeKinds, _providerWakes);
    }

    public async ValueTask DisposeAsync()
    {
        if (_begun && !_committed && _connection.FullState == System.Data.ConnectionState.Open)
        {
            try
            {
                await using var rollback = new NpgsqlCommand("ROLLBACK", _connection);
                await rollback.ExecuteNonQueryAsync().ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException)
            {
                // The connection broke; Postgres rolls the transaction back itself.
            }
        }

        await _connection.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>A batch starting with BEGIN (the first time) and the pending writes.</summary>
    private NpgsqlBatch NewBatch()
    {
        var batch = new NpgsqlBatch(_connection);
        if (!_begun)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("BEGIN"));
            // Every statement here is prepared and its best plan does not depend on the parameter values (lookups by
            // id, arrays of ids, the queue index). Left to choose, Postgres re-planned several of them on every call
            // (custom plans: ~1.7 ms for the lease candidate query, more than executing it).
            batch.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL plan_cache_mode = force_generic_plan"));
            // A generic plan is made once per connection and kept until the table's statistics change (autoanalyze,
            // at most once a minute). Made while jobs was small (a fresh database, the first minutes of a benchmark),
            // it scanned the whole table: the event append's row update was a hash join over a sequential scan of
            // jobs, on every commit, ever slower as jobs grew. Every statement here has its index; a sequential
            // scan is never the right plan for them.
            batch.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL enable_seqscan = off"));
            _begun = true;
        }

        foreach (var write in _pendingWrites)
        {
            batch.BatchCommands.Add(write);
        }

        _pendingWrites.Clear();
        return batch;
    }

    private static string BuildUpdateSql()
    {
        var columns = JobRecord.Columns.Split(',').Select(c => c.Trim()).ToArray();
        var assignments = string.Join(", ", columns.Skip(1).Select((c, i) => $"{c} = ${i + 2}"));
        return $"UPDATE jobs SET {assignments} WHERE id = $1";
    }

    private sealed record PendingEvent(JobRecord Job, JobEvent Event);
}

/// <summary>An event that is in the table: what the notifications need to route it.</summary>
internal sealed record CommittedEvent(long Sequence, Guid JobId, string Owner, string ProductionId);
