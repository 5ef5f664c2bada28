using Montage.Contracts.Jobs.V1;
using Montage.JobTracking.Persistence;
using Npgsql;

namespace Montage.JobTracking.Get;

/// <summary>Get: one job; another owner's job is NOT_FOUND so ids cannot be probed.</summary>
internal sealed class GetJobHandler(JobDatabase database)
{
    public async Task<Job> HandleAsync(GetJobRequest request, CancellationToken cancellationToken)
    {
        var id = Errors.ParseJobId(request.JobId, "job_id");
        var job = await LoadAsync(database, id, cancellationToken).ConfigureAwait(false);
        if (job is null || (request.Owner.Length > 0 && job.Owner != request.Owner))
        {
            throw Errors.JobNotFound(request.JobId);
        }

        return job.ToProto();
    }

    internal static async Task<JobRecord?> LoadAsync(JobDatabase database, Guid id, CancellationToken cancellationToken)
    {
        var jobs = await database.QueryJobsAsync($"SELECT {JobRecord.Columns} FROM jobs WHERE id = $1",
            p => p.Add(new NpgsqlParameter<Guid> { TypedValue = id }), cancellationToken).ConfigureAwait(false);
        return jobs.Count == 0 ? null : jobs[0];
    }
}
