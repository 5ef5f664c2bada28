using Microsoft.Extensions.Options;
using Montage.Contracts.Jobs.V1;
using Montage.Grpc;
using Montage.JobTracking.Events;
using Montage.JobTracking.Get;
using Montage.JobTracking.Persistence;
using Npgsql;

namespace Montage.JobTracking.Watch;

/// <summary>
/// Watch: replays stored events after after_sequence, then follows new ones, always reading from Postgres up to
/// the settled watermark (<see cref="EventWatermark"/>). Replay and live following are the same loop, so there is
/// no switch-over to get wrong: the cursor is the last sequence sent, every read is "after the cursor", which
/// rules out duplicates, and the watermark rules out gaps. Redis (or a local commit) only says "look now";
/// missing such a message (Redis restarted) delays an event by at most the fallback poll period.
/// <para>
/// Every read of a Watch holds a connection only while it runs, and at most
/// <see cref="JobTrackingOptions.MaxConcurrentWatchReads"/> such reads run at once: a burst of Watch calls (a gateway
/// opening a thousand event streams) waits its turn for the replay instead of exhausting the connection pool, which
/// would fail the burst, and every other RPC, with UNAVAILABLE.
/// </para>
/// </summary>
internal sealed class WatchHandler(JobDatabase database, EventWatermark watermark, IOptions<JobTrackingOptions> options) : IDisposable
{
    private const int BatchSize = 500;
    private readonly SemaphoreSlim _reads = new(options.Value.MaxConcurrentWatchReads);

    public void Dispose() => _reads.Dispose();

    public async Task HandleAsync(WatchRequest request, IServerStreamWriter<JobEvent> stream, CancellationToken cancellationToken)
    {
        if (request.AfterSequence < 0)
        {
            throw Errors.InvalidArgument("after_sequence must not be negative");
        }

        var (filter, value) = await ResolveScopeAsync(request, cancellationToken).ConfigureAwait(false);
        var ownerFilter = request.Owner.Length > 0 && request.ScopeCase == WatchRequest.ScopeOneofCase.ProductionId ? request.Owner : null;
        await watermark.Ready.WaitAsync(cancellationToken).ConfigureAwait(false);

        var cursor = request.LiveOnly ? watermark.Current : request.AfterSequence;
        if (!request.LiveOnly && request.AfterSequence > 0 && await IsBeyondRetentionAsync(request.AfterSequence, cancellationToken).ConfigureAwait(false))
        {
            // The events right after the client's position were pruned: state snapshots stand in for them.
            cursor = watermark.Current;
            foreach (var job in await LoadActiveJobsAsync(filter, value, ownerFilter, cancellationToken).ConfigureAwait(false))
            {
                await stream.WriteAsync(new JobEvent
                {
                    Sequence = job.LastEventSequence,
                    JobId = job.Id.ToString(),
                    Type = "job.snapshot",
                    Time = JobRecord.Stamp(job.UpdatedAt),
                    Job = job.ToProto(),
                    Owner = job.Owner,
                    ProductionId = job.ProductionId,
                }, cancellationToken).ConfigureAwait(false);
            }
        }

        var settings = options.Value;
        while (true)
        {
            var advanced = watermark.Advanced.Next;
            var upTo = watermark.Current;
            var events = await ReadAsync(filter, value, ownerFilter, cursor, upTo, cancellationToken).ConfigureAwait(false);
            foreach (var jobEvent in events)
            {
                await stream.WriteAsync(jobEvent, cancellationToken).ConfigureAwait(false);
                cursor = jobEvent.Sequence;
                if (filter == "job_id" && IsTerminal(jobEvent))
                {
                    return;
                }
            }

            if (events.Count == BatchSize)
            {
                continue;
            }

            if (filter == "job_id" && events.Count == 0 && await JobEndedBeforeAsync(Guid.Parse(value), cursor, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            await Task.WhenAny(advanced, Task.Delay(settings.EventPollFallback, database.Time, cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private static bool IsTerminal(JobEvent jobEvent) => jobEvent.Type is "job.succeeded" or "job.failed" or "job.canceled";

    private async Task<(string Column, string Value)> ResolveScopeAsync(WatchRequest request, CancellationToken cancellationToken)
    {
        switch (request.ScopeCase)
        {
            case WatchRequest.ScopeOneofCase.JobId:
                var id = Errors.ParseJobId(request.JobId, "job_id");
                var job = await BoundedAsync(() => GetJobHandler.LoadAsync(database, id, cancellationToken), cancellationToken).ConfigureAwait(false);
                if (job is null || (request.Owner.Length > 0 && job.Owner != request.Owner))
                {
                    throw Errors.JobNotFound(request.JobId);
                }

                return ("job_id", id.ToString());
            case WatchRequest.ScopeOneofCase.OwnerScope when request.OwnerScope.Length > 0:
                if (request.Owner.Length > 0 && request.Owner != request.OwnerScope)
                {
                    throw Errors.InvalidArgument("owner_scope must be the caller's own owner");
                }

                return ("owner", request.OwnerScope);
            case WatchRequest.ScopeOneofCase.ProductionId when request.ProductionId.Length > 0:
                return ("production_id", request.ProductionId);
            default:
                throw Errors.InvalidArgument("a scope is required: job_id, owner_scope or production_id");
        }
    }

    /// <summary>A database read of a Watch, in turn with the others (see the class summary).</summary>
    private async Task<T> BoundedAsync<T>(Func<Task<T>> read, CancellationToken cancellationToken)
    {
        await _reads.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await read().ConfigureAwait(false);
        }
        finally
        {
            _reads.Release();
        }
    }

    private Task<List<JobEvent>> ReadAsync(string column, string value, string? owner, long after, long upTo, CancellationToken cancellationToken) =>
        upTo <= after ? Task.FromResult(new List<JobEvent>()) : BoundedAsync(() => ReadEventsAsync(column, value, owner, after, upTo, cancellationToken), cancellationToken);

    private async Task<List<JobEvent>> ReadEventsAsync(string column, string value, string? owner, long after, long upTo, CancellationToken cancellationToken)
    {
        var list = new List<JobEvent>();

        var scope = column == "job_id" ? "job_id = $1::uuid" : $"{column} = $1";
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            $"SELECT sequence, payload FROM job_events WHERE {scope} AND sequence > $2 AND sequence <= $3 {(owner is null ? "" : "AND owner = $4")} " +
            $"ORDER BY sequence LIMIT {BatchSize}", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = value });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = upTo });
        if (owner is not null)
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = owner });
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(ToEvent(reader.GetInt64(0), (byte[])reader[1]));
        }

        return list;
    }

    internal static JobEvent ToEvent(long sequence, byte[] payload)
    {
        var jobEvent = JobEvent.Parser.ParseFrom(payload);
        jobEvent.Sequence = sequence;
        if (jobEvent.Job is { } job)
        {
            job.LastEventSequence = sequence;
        }

        return jobEvent;
    }

    private async Task<bool> JobEndedBeforeAsync(Guid jobId, long cursor, CancellationToken cancellationToken)
    {
        var job = await BoundedAsync(() => GetJobHandler.LoadAsync(database, jobId, cancellationToken), cancellationToken).ConfigureAwait(false);
        return job is null || (job.IsTerminal && job.LastEventSequence <= cursor);
    }

    private async Task<bool> IsBeyondRetentionAsync(long afterSequence, CancellationToken cancellationToken)
    {
        var min = await BoundedAsync(async () =>
        {
            await using var command = database.DataSource.CreateCommand("SELECT min(sequence) FROM job_events");
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return min is long first && afterSequence < first - 1;
    }

    private async Task<List<JobRecord>> LoadActiveJobsAsync(string column, string value, string? owner, CancellationToken cancellationToken)
    {
        var scope = column == "job_id" ? "id = $1::uuid" : $"{column} = $1";
        return await BoundedAsync(() => database.QueryJobsAsync(
            $"SELECT {JobRecord.Columns} FROM jobs WHERE {scope} AND state IN (1, 2, 3) {(owner is null ? "" : "AND owner = $2")} ORDER BY created_at LIMIT 10000",
            p =>
            {
                p.Add(new NpgsqlParameter<string> { TypedValue = value });
                if (owner is not null)
                {
                    p.Add(new NpgsqlParameter<string> { TypedValue = owner });
                }
            }, cancellationToken), cancellationToken).ConfigureAwait(false);
    }
}
