using Microsoft.Extensions.Options;
using Montage.Contracts.Jobs.V1;
using Montage.JobTracking.Batching;
using Montage.JobTracking.Caching;
using Montage.JobTracking.Dependencies;
using Montage.JobTracking.Persistence;
using Npgsql;

namespace Montage.JobTracking.Submit;

/// <summary>
/// Submit: validate, deduplicate by (owner, idempotency key), check dependencies, insert, decide the state.
/// Everything the decision reads (an earlier job with the key, the upstream jobs, a cached result) is read in one
/// round trip; the insert, its event and COMMIT go in the next. A job without key, dependencies or cache costs one.
/// <para>
/// Submits without dependencies go through group commit (<see cref="GroupCommit{TItem, TResult}"/>): those that
/// arrive while the previous batch executes are inserted together in one transaction (one read round trip for all
/// their keys and cache lookups, one commit). Idempotency keys keep their meaning inside a batch: a key used by an
/// earlier item of the same batch deduplicates against that item's job. Submits with dependencies lock their
/// upstream jobs and take the single path.
/// </para>
/// </summary>
internal sealed class SubmitJobHandler : IAsyncDisposable
{
    // Existing jobs holding any of the batch's (owner, idempotency key) pairs.
    private static readonly string FindExistingManySql = $"""
        SELECT j.* FROM unnest($1::text[], $2::text[]) AS k(owner, key) CROSS JOIN LATERAL (
            SELECT {JobRecord.Columns} FROM jobs WHERE owner = k.owner AND idempotency_key = k.key) j
        """;

    // Per item (its ordinal, last column), the oldest succeeded job of the owner with the content hash.
    private static readonly string FindCachedManySql = $"""
        SELECT j.*, k.i FROM unnest($1::text[], $2::bytea[]) WITH ORDINALITY AS k(owner, hash, i) CROSS JOIN LATERAL (
            SELECT {JobRecord.Columns} FROM jobs WHERE owner = k.owner AND content_hash = k.hash AND state = 4
            ORDER BY finished_at LIMIT 1) j
        """;

    private readonly JobDatabase _database;
    private readonly IOptions<JobTrackingOptions> _options;
    private readonly GroupCommit<SubmitJobRequest, SubmitJobResponse>? _group;

    public SubmitJobHandler(JobDatabase database, IOptions<JobTrackingOptions> options, ILogger<SubmitJobHandler> logger)
    {
        _database = database;
        _options = options;
        var settings = options.Value;
        _group = settings.GroupCommitMaxBatch > 1
            ? new GroupCommit<SubmitJobRequest, SubmitJobResponse>("Submit", RunBatchAsync, RunOneAsync, settings.GroupCommitMaxBatch, settings.GroupCommitExecutors, logger)
            : null;
    }

    /// <summary>Batches of two or more submits executed so far and their items.</summary>
    public (long Batches, long Items) Batched => _group?.Batched ?? (0, 0);

    public async Task<SubmitJobResponse> HandleAsync(SubmitJobRequest request, CancellationToken cancellationToken)
    {
        var spec = request.Spec;
        JobSpecValidator.Validate(spec, _options.Value, "spec.");
        var dependencyIds = spec.Dependencies.Select(d => Guid.Parse(d.JobId)).ToList();
        if (dependencyIds.Distinct().Count() != dependencyIds.Count)
        {
            throw Errors.InvalidArgument("spec.dependencies names the same job twice; put all its bindings in one entry");
        }

        return dependencyIds.Count == 0 && _group is not null
            ? await _group.RunAsync(request, cancellationToken).ConfigureAwait(false)
            : await RunOneAsync(request, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => _group?.DisposeAsync() ?? ValueTask.CompletedTask;

    /// <summary>One validated submit in its own transaction.</summary>
    private async Task<SubmitJobResponse> RunOneAsync(SubmitJobRequest request, CancellationToken cancellationToken)
    {
        var spec = request.Spec;
        var dependencyIds = spec.Dependencies.Select(d => Guid.Parse(d.JobId)).ToList();

        // Without dependencies the resolved input is the submitted one, so the cache can be asked up front.
        var cache = dependencyIds.Count == 0 && !spec.NoCache ? new CacheLookup(ContentHash.Compute(spec.Kind, spec.ModelId, spec.InputJson)) : null;
        return await _database.RunAsync(async tx =>
        {
            List<JobRecord> existing = [];
            List<JobRecord> upstreamRows = [];
            var reads = new List<(NpgsqlBatchCommand, Action<NpgsqlDataReader>)>();
            if (spec.IdempotencyKey.Length > 0)
            {
                reads.Add((FindExistingSql(spec), r => existing.Add(JobRecord.Read(r))));
            }

            if (dependencyIds.Count > 0)
            {
                reads.Add((LockUpstreamsSql(dependencyIds), r => upstreamRows.Add(JobRecord.Read(r))));
            }

            if (cache is not null)
            {
                reads.Add((JobReadiness.FindCachedSql(spec.Owner, cache.Hash, Guid.Empty), r => cache.Found ??= JobRecord.Read(r)));
            }

            if (reads.Count > 0)
            {
                await tx.ReadAsync(cancellationToken, [.. reads]).ConfigureAwait(false);
            }

            if (existing.Count > 0)
            {
                return Deduplicated(existing[0], spec);
            }

            var upstreams = CheckUpstreams(upstreamRows, dependencyIds, spec.Owner, "spec.dependencies");
            var dependencies = spec.Dependencies.Select(d => JobFactory.WithJobId(d, Guid.Parse(d.JobId))).ToList();
            var job = JobFactory.Create(spec, _options.Value, tx.Now, dependencies);
            _ = await JobReadiness.DecideAsync(tx, job, upstreams, cancellationToken, prefetched: cache).ConfigureAwait(false);
            Insert(tx, job);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return new SubmitJobResponse { Job = job.ToProto() };
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Several validated submits without dependencies in one transaction: one round trip reads every idempotency key
    /// and cache lookup of the batch, the next inserts the jobs, appends their events and commits. A lost race on an
    /// idempotency key (a concurrent transaction inserted it first) fails the commit; the whole batch is then run
    /// again by <see cref="JobDatabase.RunAsync{T}"/> and deduplicates against the winner.
    /// </summary>
    private Task<Func<SubmitJobResponse>[]> RunBatchAsync(IReadOnlyList<SubmitJobRequest> requests, CancellationToken cancellationToken)
    {
        var specs = requests.Select(r => r.Spec).ToArray();
        var caches = specs.Select(s => s.NoCache ? null : new CacheLookup(ContentHash.Compute(s.Kind, s.ModelId, s.InputJson))).ToArray();
        return _database.RunAsync(async tx =>
        {
            foreach (var cache in caches)
            {
                cache?.Reset();
            }

            var existing = new Dictionary<(string Owner, string Key), JobRecord>();
            var reads = new List<(NpgsqlBatchCommand, Action<NpgsqlDataReader>)>();
            var keyed = specs.Where(s => s.IdempotencyKey.Length > 0).ToArray();
            if (keyed.Length > 0)
            {
                reads.Add((JobTransaction.Sql(FindExistingManySql,
                        new NpgsqlParameter<string[]> { TypedValue = keyed.Select(s => s.Owner).ToArray() },
                        new NpgsqlParameter<string[]> { TypedValue = keyed.Select(s => s.IdempotencyKey).ToArray() }),
                    r =>
                    {
                        var job = JobRecord.Read(r);
                        existing[(job.Owner, job.IdempotencyKey!)] = job;
                    }));
            }

            var cached = Enumerable.Range(0, specs.Length).Where(i => caches[i] is not null).ToArray();
            if (cached.Length > 0)
            {
                reads.Add((JobTransaction.Sql(FindCachedManySql,
                        new NpgsqlParameter<string[]> { TypedValue = cached.Select(i => specs[i].Owner).ToArray() },
                        new NpgsqlParameter { Value = cached.Select(i => caches[i]!.Hash).ToArray(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Bytea }),
                    r => caches[cached[(int)r.GetInt64(r.FieldCount - 1) - 1]]!.Found ??= JobRecord.Read(r)));
            }

            if (reads.Count > 0)
            {
                await tx.ReadAsync(cancellationToken, [.. reads]).ConfigureAwait(false);
            }

            var created = new Dictionary<(string Owner, string Key), JobRecord>();
            var answers = new Func<SubmitJobResponse>[specs.Length];
            for (var i = 0; i < specs.Length; i++)
            {
                var spec = specs[i];
                var key = (spec.Owner, spec.IdempotencyKey);
                if (spec.IdempotencyKey.Length > 0 && (existing.TryGetValue(key, out var earlier) || created.TryGetValue(key, out earlier)))
                {
                    // Answered after COMMIT (the job's last event sequence is known then): same spec, or AlreadyExists.
                    var found = earlier;
                    answers[i] = () => Deduplicated(found, spec);
                    continue;
                }

                var job = JobFactory.Create(spec, _options.Value, tx.Now, []);
                _ = await JobReadiness.DecideAsync(tx, job, new Dictionary<Guid, JobRecord>(), cancellationToken, prefetched: caches[i]).ConfigureAwait(false);
                Insert(tx, job);
                if (spec.IdempotencyKey.Length > 0)
                {
                    created[key] = job;
                }

                answers[i] = () => new SubmitJobResponse { Job = job.ToProto() };
            }

            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return answers;
        }, cancellationToken);
    }

    /// <summary>Inserts the job and its dependency edges. A racing submit with the same key makes the commit fail; the unit is then re-run and deduplicates.</summary>
    internal static void Insert(JobTransaction tx, JobRecord job)
    {
        tx.Insert(job);
        if (job.Dependencies.Count > 0)
        {
            tx.Write(JobTransaction.Sql("INSERT INTO job_dependencies (job_id, depends_on) SELECT $1, unnest($2::uuid[])",
                new NpgsqlParameter<Guid> { TypedValue = job.Id },
                new NpgsqlParameter<Guid[]> { TypedValue = job.Dependencies.Select(d => Guid.Parse(d.JobId)).Distinct().ToArray() }));
        }
    }

    /// <summary>
    /// Existing upstream jobs, locked FOR SHARE: an upstream finishing concurrently (FOR UPDATE) then either
    /// commits first, and we see its end state, or waits for us, and then finds this job among its dependents.
    /// </summary>
    internal static async Task<Dictionary<Guid, JobRecord>> LockUpstreamsAsync(
        JobTransaction tx, IReadOnlyCollection<Guid> ids, string owner, string field, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return [];
        }

        var rows = await tx.ReadJobsAsync(LockUpstreamsSql(ids), cancellationToken).ConfigureAwait(false);
        return CheckUpstreams(rows, ids, owner, field);
    }

    private static NpgsqlBatchCommand LockUpstreamsSql(IReadOnlyCollection<Guid> ids) =>
        JobTransaction.Sql($"SELECT {JobRecord.Columns} FROM jobs WHERE id = ANY($1) ORDER BY id FOR SHARE", new NpgsqlParameter<Guid[]> { TypedValue = ids.Distinct().ToArray() });

    private static Dictionary<Guid, JobRecord> CheckUpstreams(List<JobRecord> rows, IReadOnlyCollection<Guid> ids, string owner, string field)
    {
        var found = rows.ToDictionary(j => j.Id);
        foreach (var id in ids)
        {
            if (!found.TryGetValue(id, out var upstream))
            {
                throw Errors.InvalidArgument($"{field}: job {id} does not exist");
            }

            if (upstream.Owner != owner)
            {
                throw Errors.NotFound($"{field}: job {id} not found");
            }
        }

        return found;
    }

    private static NpgsqlBatchCommand FindExistingSql(JobSpec spec) =>
        JobTransaction.Sql($"SELECT {JobRecord.Columns} FROM jobs WHERE owner = $1 AND idempotency_key = $2",
            new NpgsqlParameter<string> { TypedValue = spec.Owner },
            new NpgsqlParameter<string> { TypedValue = spec.IdempotencyKey });

    private static SubmitJobResponse Deduplicated(JobRecord found, JobSpec spec)
    {
        if (!found.RequestHash.AsSpan().SequenceEqual(JobFactory.RequestHash(spec)))
        {
            throw Errors.AlreadyExists($"idempotency_key '{Errors.Truncate(spec.IdempotencyKey)}' was already used by job {found.Id} with a different spec");
        }

        return new SubmitJobResponse { Job = found.ToProto(), Deduplicated = true };
    }
}
