using Microsoft.Extensions.Options;
using Montage.Contracts.Jobs.V1;
using Montage.JobTracking.Caching;
using Montage.JobTracking.Dependencies;
using Montage.JobTracking.Persistence;
using Npgsql;

namespace Montage.JobTracking.Submit;

/// <summary>
/// Submit: validate, deduplicate by (owner, idempotency key), check dependencies, insert, decide the state.
/// Everything the decision reads (an earlier job with the key, the upstream jobs, a cached result) is read in one
/// round trip; the insert, its event and COMMIT go in the next. A job without key, dependencies or cache costs one.
/// </summary>
internal sealed class SubmitJobHandler(JobDatabase database, IOptions<JobTrackingOptions> options)
{
    public async Task<SubmitJobResponse> HandleAsync(SubmitJobRequest request, CancellationToken cancellationToken)
    {
        var spec = request.Spec;
        JobSpecValidator.Validate(spec, options.Value, "spec.");
        var dependencyIds = spec.Dependencies.Select(d => Guid.Parse(d.JobId)).ToList();
        if (dependencyIds.Distinct().Count() != dependencyIds.Count)
        {
            throw Errors.InvalidArgument("spec.dependencies names the same job twice; put all its bindings in one entry");
        }

        // Without dependencies the resolved input is the submitted one, so the cache can be asked up front.
        var cache = dependencyIds.Count == 0 && !spec.NoCache ? new CacheLookup(ContentHash.Compute(spec.Kind, spec.ModelId, spec.InputJson)) : null;
        return await database.RunAsync(async tx =>
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
            var job = JobFactory.Create(spec, options.Value, tx.Now, dependencies);
            _ = await JobReadiness.DecideAsync(tx, job, upstreams, cancellationToken, prefetched: cache).ConfigureAwait(false);
            Insert(tx, job);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return new SubmitJobResponse { Job = job.ToProto() };
        }, cancellationToken).ConfigureAwait(false);
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
