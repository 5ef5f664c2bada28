using Montage.Contracts.Jobs.V1;
using Montage.JobTracking.Dependencies;
using Montage.JobTracking.Leasing;
using Montage.JobTracking.Persistence;

namespace Montage.JobTracking.Complete;

/// <summary>Complete: the job succeeded with its outputs and cost; waiting dependents whose inputs now all exist are queued.</summary>
internal sealed class CompleteHandler(JobDatabase database, ConcurrencyCaps caps)
{
    public async Task<Job> HandleAsync(CompleteRequest request, CancellationToken cancellationToken)
    {
        var outputs = ValidateOutputs(request);
        var id = Errors.ParseJobId(request.JobId, "job_id");
        var lease = Errors.ParseLeaseId(request.LeaseId);
        return await database.RunAsync(async tx =>
        {
            // The row lock and the waiting dependents this completion may ready, in one round trip.
            JobRecord? job = null;
            var dependents = new List<JobRecord>();
            await tx.ReadAsync(cancellationToken,
                (JobTransaction.LockJobsSql([id]), r => job = JobRecord.Read(r)),
                (JobReadiness.LockWaitingDependentsSql(id), r => dependents.Add(JobRecord.Read(r)))).ConfigureAwait(false);
            if (job is null)
            {
                throw Errors.JobNotFound(request.JobId);
            }

            if (job.State == JobState.Succeeded && job.LeaseId == lease && SameOutputs(job.Outputs, outputs))
            {
                // A repeat of the Complete that already succeeded (e.g. the answer was lost): no-op.
                return job.ToProto();
            }

            LeaseGuard.EnsureHeld(job, lease);
            job.State = JobState.Succeeded;
            job.Outputs = outputs;
            job.ActualCostMicros += request.ActualCostMicros;
            job.Progress = 1;
            job.FinishedAt = tx.Now;
            job.AttemptOpen = false;
            job.ErrorCode = null;
            job.ErrorMessage = null;
            job.ErrorRetryable = false;
            LeaseExpiry.ClearLease(job);
            tx.Update(job);
            tx.AddStateEvent(job, "job.succeeded");
            if (caps.IsCapped(job))
            {
                // A concurrency slot is free: one waiting lease may now take a capped job. Uncapped kinds need no wake-up.
                tx.WakeLeasers(job.Kind);
            }

            await JobReadiness.OnSucceededAsync(tx, job, cancellationToken, dependents).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return job.ToProto();
        }, cancellationToken).ConfigureAwait(false);
    }

    private static Dictionary<string, List<string>> ValidateOutputs(CompleteRequest request)
    {
        if (request.ActualCostMicros < 0)
        {
            throw Errors.InvalidArgument("actual_cost_micros must not be negative");
        }

        if (request.Outputs.Count > 100)
        {
            throw Errors.InvalidArgument($"outputs has {request.Outputs.Count} names; the limit is 100");
        }

        var outputs = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (name, assets) in request.Outputs)
        {
            if (string.IsNullOrWhiteSpace(name) || name.Length > 128)
            {
                throw Errors.InvalidArgument("outputs: every output needs a name of at most 128 characters");
            }

            if (assets.AssetIds.Count == 0 || assets.AssetIds.Count > 1000 || assets.AssetIds.Any(a => string.IsNullOrWhiteSpace(a) || a.Length > 256))
            {
                throw Errors.InvalidArgument($"outputs['{Errors.Truncate(name)}'] needs 1 to 1000 non-empty asset ids");
            }

            outputs[name] = [.. assets.AssetIds];
        }

        return outputs;
    }

    private static bool SameOutputs(Dictionary<string, List<string>>? stored, Dictionary<string, List<string>> given) =>
        stored is not null && stored.Count == given.Count && given.All(g => stored.TryGetValue(g.Key, out var ids) && ids.SequenceEqual(g.Value));
}
