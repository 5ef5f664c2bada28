using System.Text.Json.Nodes;
using Montage.Contracts.Jobs.V1;
using Montage.JobTracking.Caching;
using Montage.JobTracking.Persistence;
using Npgsql;

namespace Montage.JobTracking.Dependencies;

/// <summary>
/// Moves jobs along their graph: a job whose dependencies all succeeded gets its bindings resolved and is
/// queued, or reuses the outputs of an identical succeeded job (content-hash cache); a job whose dependency
/// failed or was canceled can never run and ends too, transitively. All inside the caller's transaction.
/// <para>
/// Concurrency: a dependent's row is locked (FOR UPDATE) before its upstream states are read. Two upstreams
/// finishing at once therefore serialize on the dependent, and the second one, reading after the first has
/// committed, sees both succeeded: the dependent cannot be left waiting forever.
/// </para>
/// </summary>
internal static class JobReadiness
{
    public enum Outcome
    {
        Waiting,
        Queued,
        Succeeded,
        Failed,
        Canceled,
    }

    /// <summary>
    /// Decides the state of <paramref name="job"/> from its upstream jobs (which must include every dependency).
    /// Sets state, input and events; the caller inserts or updates the row.
    /// </summary>
    public static async Task<Outcome> DecideAsync(
        JobTransaction tx, JobRecord job, IReadOnlyDictionary<Guid, JobRecord> upstreams, CancellationToken cancellationToken, bool announceWaiting = true,
        CacheLookup? prefetched = null)
    {
        foreach (var dependency in job.Dependencies)
        {
            var upstream = upstreams[Guid.Parse(dependency.JobId)];
            if (upstream.State == JobState.Failed)
            {
                EndBecauseOf(tx, job, upstream, JobState.Failed);
                return Outcome.Failed;
            }

            if (upstream.State == JobState.Canceled)
            {
                EndBecauseOf(tx, job, upstream, JobState.Canceled);
                return Outcome.Canceled;
            }
        }

        if (job.Dependencies.Any(d => upstreams[Guid.Parse(d.JobId)].State != JobState.Succeeded))
        {
            if (announceWaiting)
            {
                job.State = JobState.Waiting;
                tx.AddStateEvent(job, "job.waiting");
            }

            return Outcome.Waiting;
        }

        var resolved = ResolveBindings(job, upstreams, out var problem);
        if (resolved is null)
        {
            job.State = JobState.Failed;
            job.ErrorCode = "binding_unresolvable";
            job.ErrorMessage = problem;
            job.ErrorRetryable = false;
            job.FinishedAt = tx.Now;
            tx.AddStateEvent(job, "job.failed");
            return Outcome.Failed;
        }

        job.Input = resolved;
        job.ContentHash = ContentHash.Compute(job.Kind, job.ModelId, resolved);
        var cached = job.NoCache ? null
            : prefetched is not null && prefetched.Hash.AsSpan().SequenceEqual(job.ContentHash) ? prefetched.Found
            : await FindCachedAsync(tx, job, cancellationToken).ConfigureAwait(false);
        if (cached is not null)
        {
            job.State = JobState.Succeeded;
            job.Outputs = cached.Outputs;
            job.CachedFromJobId = cached.Id;
            job.ActualCostMicros = 0;
            job.Progress = 1;
            job.StartedAt = tx.Now;
            job.FinishedAt = tx.Now;
            tx.AddStateEvent(job, "job.succeeded");
            return Outcome.Succeeded;
        }

        job.State = JobState.Queued;
        job.NextAttemptAt = tx.Now;
        tx.AddStateEvent(job, "job.queued");
        return Outcome.Queued;
    }

    /// <summary>
    /// After <paramref name="succeeded"/> was written as succeeded: readies its waiting dependents, transitively.
    /// <paramref name="lockedDependents"/>: the rows of <see cref="LockWaitingDependentsSql"/> for it, when the caller read them already.
    /// </summary>
    public static async Task OnSucceededAsync(JobTransaction tx, JobRecord succeeded, CancellationToken cancellationToken, List<JobRecord>? lockedDependents = null)
    {
        var pending = new Queue<Guid>([succeeded.Id]);
        while (pending.Count > 0)
        {
            var upstreamId = pending.Dequeue();
            var dependents = upstreamId == succeeded.Id && lockedDependents is not null
                ? StillWaiting(lockedDependents)
                : await LockWaitingDependentsAsync(tx, upstreamId, cancellationToken).ConfigureAwait(false);
            foreach (var dependent in dependents)
            {
                var upstreams = await LoadUpstreamsAsync(tx, dependent, cancellationToken).ConfigureAwait(false);
                var outcome = await DecideAsync(tx, dependent, upstreams, cancellationToken, announceWaiting: false).ConfigureAwait(false);
                if (outcome == Outcome.Waiting)
                {
                    // Still waiting for another dependency: nothing changed.
                    continue;
                }

                tx.Update(dependent);
                switch (outcome)
                {
                    case Outcome.Succeeded:
                        pending.Enqueue(dependent.Id);
                        break;
                    case Outcome.Failed or Outcome.Canceled:
                        await OnEndedAsync(tx, dependent, cancellationToken).ConfigureAwait(false);
                        break;
                }
            }
        }
    }

    /// <summary>
    /// After <paramref name="ended"/> was written as failed or canceled: ends its waiting dependents, transitively.
    /// <paramref name="lockedDependents"/>: the rows of <see cref="LockWaitingDependentsSql"/> for it, when the caller read them already.
    /// </summary>
    public static async Task OnEndedAsync(JobTransaction tx, JobRecord ended, CancellationToken cancellationToken, List<JobRecord>? lockedDependents = null)
    {
        var pending = new Queue<JobRecord>([ended]);
        while (pending.Count > 0)
        {
            var upstream = pending.Dequeue();
            var dependents = upstream == ended && lockedDependents is not null
                ? StillWaiting(lockedDependents)
                : await LockWaitingDependentsAsync(tx, upstream.Id, cancellationToken).ConfigureAwait(false);
            foreach (var dependent in dependents)
            {
                EndBecauseOf(tx, dependent, upstream, upstream.State);
                tx.Update(dependent);
                pending.Enqueue(dependent);
            }
        }
    }

    public static async Task<Dictionary<Guid, JobRecord>> LoadUpstreamsAsync(JobTransaction tx, JobRecord job, CancellationToken cancellationToken)
    {
        var ids = job.Dependencies.Select(d => Guid.Parse(d.JobId)).Distinct().ToArray();
        var command = JobTransaction.Sql($"SELECT {JobRecord.Columns} FROM jobs WHERE id = ANY($1)", new NpgsqlParameter<Guid[]> { TypedValue = ids });
        return (await tx.ReadJobsAsync(command, cancellationToken).ConfigureAwait(false)).ToDictionary(j => j.Id);
    }

    private static async Task<List<JobRecord>> LockWaitingDependentsAsync(JobTransaction tx, Guid upstreamId, CancellationToken cancellationToken)
    {
        var locked = await tx.ReadJobsAsync(LockWaitingDependentsSql(upstreamId), cancellationToken).ConfigureAwait(false);
        return StillWaiting(locked);
    }

    /// <summary>The waiting dependents of several jobs, locked in id order (a batch of completions reads them at once).</summary>
    public static NpgsqlBatchCommand LockWaitingDependentsOfManySql(Guid[] upstreamIds) => JobTransaction.Sql($"""
        SELECT {JobRecord.Columns} FROM jobs
        WHERE id IN (SELECT job_id FROM job_dependencies WHERE depends_on = ANY($1)) AND state = 1
        ORDER BY id FOR UPDATE
        """, new NpgsqlParameter<Guid[]> { TypedValue = upstreamIds });

    /// <summary>Those of <paramref name="dependents"/> that depend on <paramref name="upstreamId"/> (the same row objects).</summary>
    public static List<JobRecord> DependentsOf(List<JobRecord> dependents, Guid upstreamId) =>
        dependents.Count == 0 ? [] : dependents.Where(d => d.Dependencies.Any(x => Guid.TryParse(x.JobId, out var id) && id == upstreamId)).ToList();

    /// <summary>The waiting dependents of a job, locked; a handler may send it with its own first read.</summary>
    public static NpgsqlBatchCommand LockWaitingDependentsSql(Guid upstreamId) => JobTransaction.Sql($"""
        SELECT {JobRecord.Columns} FROM jobs
        WHERE id IN (SELECT job_id FROM job_dependencies WHERE depends_on = $1) AND state = 1
        ORDER BY id FOR UPDATE
        """, new NpgsqlParameter<Guid> { TypedValue = upstreamId });

    // The state filter ran before the lock was granted; keep only rows still waiting after it.
    private static List<JobRecord> StillWaiting(List<JobRecord> locked) => locked.Where(j => j.State == JobState.Waiting).ToList();

    private static void EndBecauseOf(JobTransaction tx, JobRecord job, JobRecord upstream, JobState upstreamState)
    {
        var failed = upstreamState == JobState.Failed;
        job.State = failed ? JobState.Failed : JobState.Canceled;
        job.ErrorCode = failed ? "dependency_failed" : "dependency_canceled";
        job.ErrorMessage = failed
            ? $"dependency failed: job {upstream.Id} ended with {upstream.ErrorCode}: {upstream.ErrorMessage}"
            : $"dependency canceled: job {upstream.Id} was canceled";
        job.ErrorRetryable = false;
        job.FinishedAt = tx.Now;
        tx.AddStateEvent(job, failed ? "job.failed" : "job.canceled");
    }

    /// <summary>The submitted input with every binding written in, or null with the reason.</summary>
    private static string? ResolveBindings(JobRecord job, IReadOnlyDictionary<Guid, JobRecord> upstreams, out string problem)
    {
        problem = "";
        if (job.Dependencies.All(d => d.Bindings.Count == 0))
        {
            return job.SubmittedInput;
        }

        var root = JsonNode.Parse(job.SubmittedInput)!;
        foreach (var dependency in job.Dependencies)
        {
            var upstream = upstreams[Guid.Parse(dependency.JobId)];
            foreach (var binding in dependency.Bindings)
            {
                var source = $"job://{upstream.Id}/outputs/{binding.OutputName}";
                if (upstream.Outputs is null || !upstream.Outputs.TryGetValue(binding.OutputName, out var assets))
                {
                    problem = $"{source} does not exist: job {upstream.Id} has no output '{binding.OutputName}'";
                    return null;
                }

                JsonNode value;
                if (binding.All)
                {
                    value = new JsonArray(assets.Select(a => (JsonNode)JsonValue.Create(a)).ToArray());
                }
                else if (binding.Index < assets.Count)
                {
                    value = JsonValue.Create(assets[binding.Index]);
                }
                else
                {
                    problem = $"{source} has {assets.Count} asset(s); index {binding.Index} does not exist";
                    return null;
                }

                _ = JsonPointer.TryParse(binding.InputPointer, out var tokens);
                JsonPointer.Set(root, tokens, value);
            }
        }

        return root.ToJsonString();
    }

    private static async Task<JobRecord?> FindCachedAsync(JobTransaction tx, JobRecord job, CancellationToken cancellationToken)
    {
        // Scoped to the owner: outputs are asset ids, and reusing another owner's would hand them out.
        var found = await tx.ReadJobsAsync(FindCachedSql(job.Owner, job.ContentHash!, job.Id), cancellationToken).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    /// <summary>The oldest succeeded job of the owner with this content hash (other than <paramref name="exceptId"/>).</summary>
    public static NpgsqlBatchCommand FindCachedSql(string owner, byte[] contentHash, Guid exceptId) => JobTransaction.Sql($"""
        SELECT {JobRecord.Columns} FROM jobs
        WHERE owner = $1 AND content_hash = $2 AND state = 4 AND id <> $3
        ORDER BY finished_at LIMIT 1
        """,
        new NpgsqlParameter<string> { TypedValue = owner },
        new NpgsqlParameter<byte[]> { TypedValue = contentHash },
        new NpgsqlParameter<Guid> { TypedValue = exceptId });
}

/// <summary>A content-hash cache lookup made ahead of <see cref="JobReadiness.DecideAsync"/>, in a batch with other reads.</summary>
internal sealed class CacheLookup(byte[] hash)
{
    public byte[] Hash { get; } = hash;

    public JobRecord? Found { get; set; }

    /// <summary>Forgets the result before the transaction that reads it is run again.</summary>
    public void Reset() => Found = null;
}
