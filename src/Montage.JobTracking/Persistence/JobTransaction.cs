using Google.Protobuf;
using Montage.Contracts.Jobs.V1;
using Montage.JobTracking.Events;
using Npgsql;
using NpgsqlTypes;

namespace Montage.JobTracking.Persistence;

/// <summary>
/// One short database transaction over jobs: rows are loaded under a lock, changed, written back, and the
/// events describing the changes are appended as the last statement before COMMIT, so their sequence numbers
/// are taken as late as possible (see <see cref="EventWatermark"/>). Notifications go out only after COMMIT.
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

    private readonly JobNotifier _notifier;
    private readonly List<PendingEvent> _events = [];
    private readonly Dictionary<Guid, JobRecord> _touched = [];
    private readonly HashSet<string> _wakeKinds = new(StringComparer.Ordinal);
    private readonly HashSet<Guid> _providerWakes = [];
    private bool _committed;

    private JobTransaction(NpgsqlConnection connection, NpgsqlTransaction transaction, JobNotifier notifier, DateTime now)
    {
        Connection = connection;
        Transaction = transaction;
        _notifier = notifier;
        Now = now;
    }

    public NpgsqlConnection Connection { get; }

    public NpgsqlTransaction Transaction { get; }

    /// <summary>The transaction's clock reading (UTC, microsecond precision like Postgres).</summary>
    public DateTime Now { get; }

    public static async Task<JobTransaction> BeginAsync(NpgsqlDataSource dataSource, JobNotifier notifier, TimeProvider time, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var now = time.GetUtcNow().UtcDateTime;
            now = new DateTime(now.Ticks - (now.Ticks % 10), DateTimeKind.Utc);
            return new JobTransaction(connection, transaction, notifier, now);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public NpgsqlCommand Command(string sql)
    {
        var command = new NpgsqlCommand(sql, Connection, Transaction);
        return command;
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

        await using var command = Command($"SELECT {JobRecord.Columns} FROM jobs WHERE id = ANY($1) ORDER BY id FOR UPDATE");
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = ids.ToArray() });
        return await ReadJobsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    public async Task<List<JobRecord>> ReadJobsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var jobs = new List<JobRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var job = JobRecord.Read(reader);
            _touched[job.Id] = job;
            jobs.Add(job);
        }

        return jobs;
    }

    public async Task InsertAsync(JobRecord job, CancellationToken cancellationToken)
    {
        await using var command = Command(InsertSql);
        job.AddParameters(command.Parameters);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        _touched[job.Id] = job;
    }

    public async Task UpdateAsync(JobRecord job, CancellationToken cancellationToken)
    {
        job.UpdatedAt = Now;
        await using var command = Command(UpdateSql);
        job.AddParameters(command.Parameters);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        _touched[job.Id] = job;
    }

    /// <summary>Writes several rows back in one round trip.</summary>
    public async Task UpdateManyAsync(IReadOnlyCollection<JobRecord> jobs, CancellationToken cancellationToken)
    {
        if (jobs.Count == 0)
        {
            return;
        }

        await using var batch = new NpgsqlBatch(Connection, Transaction);
        foreach (var job in jobs)
        {
            job.UpdatedAt = Now;
            var command = new NpgsqlBatchCommand(UpdateSql);
            job.AddParameters(command.Parameters);
            batch.BatchCommands.Add(command);
            _touched[job.Id] = job;
        }

        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A state-change event carrying the job as it is now.</summary>
    public void AddStateEvent(JobRecord job, string type)
    {
        var jobEvent = new JobEvent { Type = type, Job = job.ToProto() };
        AddEvent(job, jobEvent);
        if (job.State == JobState.Queued)
        {
            _wakeKinds.Add(job.Kind);
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
    }

    /// <summary>Waiting Lease calls for this kind look again after COMMIT (a job was queued or a cap slot freed).</summary>
    public void WakeLeasers(string kind) => _wakeKinds.Add(kind);

    public void WakeProviderWaiter(Guid jobId) => _providerWakes.Add(jobId);

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        var committed = new List<CommittedEvent>(_events.Count);
        if (_events.Count > 0)
        {
            await using var command = Command(AppendEventsSql);
            command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = _events.Select(e => e.Job.Id).ToArray() });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = _events.Select(e => e.Job.Owner).ToArray() });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = _events.Select(e => e.Job.ProductionId).ToArray() });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = _events.Select(e => e.Event.Type).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = _events.Select(e => e.Event.ToByteArray()).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
            var index = 0;
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var pending = _events[index++];
                    var sequence = reader.GetInt64(0);
                    pending.Job.LastEventSequence = Math.Max(pending.Job.LastEventSequence, sequence);
                    committed.Add(new CommittedEvent(sequence, pending.Job.Id, pending.Job.Owner, pending.Job.ProductionId));
                }
            }
        }

        await Transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        _committed = true;
        _notifier.AfterCommit(committed, _wakeKinds, _providerWakes);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_committed)
        {
            try
            {
                await Transaction.RollbackAsync().ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException)
            {
                // The connection broke; Postgres rolls the transaction back itself.
            }
        }

        await Transaction.DisposeAsync().ConfigureAwait(false);
        await Connection.DisposeAsync().ConfigureAwait(false);
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
