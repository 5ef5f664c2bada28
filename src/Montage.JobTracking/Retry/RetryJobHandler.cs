using Montage.Contracts.Jobs.V1;
using Montage.JobTracking.Cancel;
using Montage.JobTracking.Dependencies;
using Montage.JobTracking.Persistence;
using Npgsql;

namespace Montage.JobTracking.Retry;

/// <summary>
/// Retry: a failed or canceled job runs again under the same id, as a new paid run (attempts restart, the old
/// provider request is not resumed). With include_dependents, its failed or canceled dependents go back to
/// waiting, so the whole branch re-runs without touching the rest of the graph.
/// </summary>
internal sealed class RetryJobHandler(JobDatabase database)
{
    public async Task<RetryJobResponse> HandleAsync(RetryJobRequest request, CancellationToken cancellationToken)
    {
        var id = Errors.ParseJobId(request.JobId, "job_id");
        return await database.RunAsync(async tx =>
        {
            var dependentIds = request.IncludeDependents ? await FindDependentsAsync(tx, id, cancellationToken).ConfigureAwait(false) : [];
            var locked = (await tx.LoadManyForUpdateAsync([id, .. dependentIds], cancellationToken).ConfigureAwait(false)).ToDictionary(j => j.Id);
            if (!locked.TryGetValue(id, out var job) || (request.Owner.Length > 0 && job.Owner != request.Owner))
            {
                throw Errors.JobNotFound(request.JobId);
            }

            if (job.State is not (JobState.Failed or JobState.Canceled))
            {
                throw Errors.FailedPrecondition($"job {job.Id} is {CancelJobHandler.StateName(job.State)}; only failed or canceled jobs can be retried");
            }

            var retrying = new HashSet<Guid> { job.Id };
            retrying.UnionWith(dependentIds.Where(d => locked.TryGetValue(d, out var j) && j.State is JobState.Failed or JobState.Canceled && j.Owner == job.Owner));

            var upstreams = await JobReadiness.LoadUpstreamsAsync(tx, job, cancellationToken).ConfigureAwait(false);
            if (upstreams.Values.FirstOrDefault(u => u.State is JobState.Failed or JobState.Canceled) is { } blocked)
            {
                throw Errors.FailedPrecondition($"job {job.Id} depends on job {blocked.Id}, which is {CancelJobHandler.StateName(blocked.State)}; retry that job first (with include_dependents)");
            }

            Reset(job);
            tx.AddStateEvent(job, "job.retrying");
            var outcome = await JobReadiness.DecideAsync(tx, job, upstreams, cancellationToken).ConfigureAwait(false);
            tx.Update(job);

            var response = new RetryJobResponse();
            var dependents = new List<JobRecord>();
            foreach (var dependentId in dependentIds.Where(retrying.Contains))
            {
                var dependent = locked[dependentId];
                var its = await JobReadiness.LoadUpstreamsAsync(tx, dependent, cancellationToken).ConfigureAwait(false);

                // A dependent also blocked by a failed job outside this retry stays as it is.
                if (its.Values.Any(u => !retrying.Contains(u.Id) && u.State is JobState.Failed or JobState.Canceled))
                {
                    continue;
                }

                Reset(dependent);
                dependent.State = JobState.Waiting;
                tx.AddStateEvent(dependent, "job.waiting");
                tx.Update(dependent);
                dependents.Add(dependent);
            }

            if (outcome == JobReadiness.Outcome.Succeeded)
            {
                await JobReadiness.OnSucceededAsync(tx, job, cancellationToken).ConfigureAwait(false);
            }

            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            response.Jobs.Add(job.ToProto());
            response.Jobs.AddRange(dependents.Select(d => d.ToProto()));
            return response;
        }, cancellationToken).ConfigureAwait(false);
    }

    private static void Reset(JobRecord job)
    {
        job.Attempts = 0;
        job.AttemptOpen = false;
        job.AttemptDeadline = null;
        job.ErrorCode = null;
        job.ErrorMessage = null;
        job.ErrorRetryable = false;
        job.CheckpointProvider = null;
        job.CheckpointRequestId = null;
        job.CheckpointStatus = null;
        job.CheckpointSubmittedAt = null;
        job.CheckpointUpdatedAt = null;
        job.LeaseOwner = null;
        job.LeaseId = null;
        job.LeaseExpiresAt = null;
        job.CancelRequested = false;
        job.Progress = 0;
        job.Outputs = null;
        job.CachedFromJobId = null;
        job.ContentHash = null;
        job.Input = job.SubmittedInput;
        job.StartedAt = null;
        job.FinishedAt = null;
    }

    private static async Task<List<Guid>> FindDependentsAsync(JobTransaction tx, Guid id, CancellationToken cancellationToken)
    {
        var command = JobTransaction.Sql("""
            WITH RECURSIVE downstream(id) AS (
                SELECT job_id FROM job_dependencies WHERE depends_on = $1
                UNION
                SELECT d.job_id FROM job_dependencies d JOIN downstream ON d.depends_on = downstream.id)
            SELECT id FROM downstream
            """, new NpgsqlParameter<Guid> { TypedValue = id });
        var ids = new List<Guid>();
        await tx.ReadAsync(command, reader => ids.Add(reader.GetGuid(0)), cancellationToken).ConfigureAwait(false);
        return ids;
    }
}
