using Microsoft.Extensions.Options;
using Montage.Contracts.Jobs.V1;
using Montage.JobTracking.Dependencies;
using Montage.JobTracking.Persistence;
using Npgsql;

namespace Montage.JobTracking.Submit;

/// <summary>Submit: validate, deduplicate by (owner, idempotency key), check dependencies, insert, decide the state.</summary>
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

        return await database.RunAsync(async tx =>
        {
            if (spec.IdempotencyKey.Length > 0 && await FindExistingAsync(tx, spec, cancellationToken).ConfigureAwait(false) is { } existing)
            {
                return existing;
            }

            var upstreams = await LockUpstreamsAsync(tx, dependencyIds, spec.Owner, "spec.dependencies", cancellationToken).ConfigureAwait(false);
            var dependencies = spec.Dependencies.Select(d => JobFactory.WithJobId(d, Guid.Parse(d.JobId))).ToList();
            var job = JobFactory.Create(spec, options.Value, tx.Now, dependencies);
            _ = await JobReadiness.DecideAsync(tx, job, upstreams, cancellationToken).ConfigureAwait(false);
            await InsertAsync(tx, job, cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return new SubmitJobResponse { Job = job.ToProto() };
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Inserts the job and its dependency edges. A racing submit with the same key makes this fail; the unit is then re-run and deduplicates.</summary>
    internal static async Task InsertAsync(JobTransaction tx, JobRecord job, CancellationToken cancellationToken)
    {
        await tx.InsertAsync(job, cancellationToken).ConfigureAwait(false);
        if (job.Dependencies.Count > 0)
        {
            await using var command = tx.Command("INSERT INTO job_dependencies (job_id, depends_on) SELECT $1, unnest($2::uuid[])");
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = job.Id });
            command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = job.Dependencies.Select(d => Guid.Parse(d.JobId)).Distinct().ToArray() });
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
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

        await using var command = tx.Command($"SELECT {JobRecord.Columns} FROM jobs WHERE id = ANY($1) ORDER BY id FOR SHARE");
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = ids.Distinct().ToArray() });
        var found = (await tx.ReadJobsAsync(command, cancellationToken).ConfigureAwait(false)).ToDictionary(j => j.Id);
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

    private static async Task<SubmitJobResponse?> FindExistingAsync(JobTransaction tx, JobSpec spec, CancellationToken cancellationToken)
    {
        await using var command = tx.Command($"SELECT {JobRecord.Columns} FROM jobs WHERE owner = $1 AND idempotency_key = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = spec.Owner });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = spec.IdempotencyKey });
        var found = await tx.ReadJobsAsync(command, cancellationToken).ConfigureAwait(false);
        if (found.Count == 0)
        {
            return null;
        }

        if (!found[0].RequestHash.AsSpan().SequenceEqual(JobFactory.RequestHash(spec)))
        {
            throw Errors.AlreadyExists($"idempotency_key '{Errors.Truncate(spec.IdempotencyKey)}' was already used by job {found[0].Id} with a different spec");
        }

        return new SubmitJobResponse { Job = found[0].ToProto(), Deduplicated = true };
    }
}
