using Microsoft.Extensions.Options;
using Montage.Contracts.Jobs.V1;
using Montage.Grpc;
using Montage.JobTracking.Batching;
using Montage.JobTracking.Dependencies;
using Montage.JobTracking.Leasing;
using Montage.JobTracking.Persistence;

namespace Montage.JobTracking.Complete;

/// <summary>
/// Complete: the job succeeded with its outputs and cost; waiting dependents whose inputs now all exist are queued.
/// Completions that arrive while the previous batch executes are committed together (group commit): all their rows
/// and waiting dependents are locked in one round trip (in id order, like every row lock here, so batches cannot
/// deadlock with each other or with Lease), each is checked against its own lease and answered on its own, and
/// the valid ones are written, with their events, in one commit.
/// </summary>
internal sealed class CompleteHandler : IAsyncDisposable
{
    private readonly JobDatabase _database;
    private readonly ConcurrencyCaps _caps;
    private readonly GroupCommit<Completion, Job>? _group;

    public CompleteHandler(JobDatabase database, ConcurrencyCaps caps, IOptions<JobTrackingOptions> options, ILogger<CompleteHandler> logger)
    {
        _database = database;
        _caps = caps;
        var settings = options.Value;
        _group = settings.GroupCommitMaxBatch > 1
            ? new GroupCommit<Completion, Job>("Complete", RunBatchAsync, RunOneAsync, settings.GroupCommitMaxBatch, settings.GroupCommitExecutors, logger)
            : null;
    }

    /// <summary>Batches of two or more completions executed so far and their items.</summary>
    public (long Batches, long Items) Batched => _group?.Batched ?? (0, 0);

    public async Task<Job> HandleAsync(CompleteRequest request, CancellationToken cancellationToken)
    {
        var outputs = ValidateOutputs(request);
        var completion = new Completion(request, Errors.ParseJobId(request.JobId, "job_id"), Errors.ParseLeaseId(request.LeaseId), outputs);
        return _group is not null
            ? await _group.RunAsync(completion, cancellationToken).ConfigureAwait(false)
            : await RunOneAsync(completion, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => _group?.DisposeAsync() ?? ValueTask.CompletedTask;

    private Task<Job> RunOneAsync(Completion completion, CancellationToken cancellationToken) =>
        _database.RunAsync(async tx =>
        {
            // The row lock and the waiting dependents this completion may ready, in one round trip.
            JobRecord? job = null;
            var dependents = new List<JobRecord>();
            await tx.ReadAsync(cancellationToken,
                (JobTransaction.LockJobsSql([completion.Id]), r => job = JobRecord.Read(r)),
                (JobReadiness.LockWaitingDependentsSql(completion.Id), r => dependents.Add(JobRecord.Read(r)))).ConfigureAwait(false);
            var answer = await ApplyAsync(tx, completion, job, dependents, cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return answer();
        }, cancellationToken);

    private Task<Func<Job>[]> RunBatchAsync(IReadOnlyList<Completion> completions, CancellationToken cancellationToken) =>
        _database.RunAsync(async tx =>
        {
            var ids = completions.Select(c => c.Id).Distinct().ToArray();
            var jobs = new Dictionary<Guid, JobRecord>();
            var dependents = new List<JobRecord>();
            await tx.ReadAsync(cancellationToken,
                (JobTransaction.LockJobsSql(ids), r =>
                {
                    var job = JobRecord.Read(r);
                    jobs[job.Id] = job;
                }),
                (JobReadiness.LockWaitingDependentsOfManySql(ids), r => dependents.Add(JobRecord.Read(r)))).ConfigureAwait(false);

            // One after the other on the same row objects, as if each ran alone in this order.
            var answers = new Func<Job>[completions.Count];
            for (var i = 0; i < completions.Count; i++)
            {
                var completion = completions[i];
                var changes = tx.Changes;
                try
                {
                    answers[i] = await ApplyAsync(tx, completion, jobs.GetValueOrDefault(completion.Id), JobReadiness.DependentsOf(dependents, completion.Id), cancellationToken).ConfigureAwait(false);
                }
                catch (RpcException exception) when (tx.Changes == changes)
                {
                    // Refused before it changed anything (unknown job, lease lost): only this caller hears of it.
                    answers[i] = () => throw exception;
                }
            }

            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return answers;
        }, cancellationToken);

    /// <summary>The completion on its locked row; throws (before changing anything) if it is refused. The answer is read after COMMIT.</summary>
    private async Task<Func<Job>> ApplyAsync(JobTransaction tx, Completion completion, JobRecord? job, List<JobRecord> dependents, CancellationToken cancellationToken)
    {
        if (job is null)
        {
            throw Errors.JobNotFound(completion.Request.JobId);
        }

        if (job.State == JobState.Succeeded && job.LeaseId == completion.Lease && SameOutputs(job.Outputs, completion.Outputs))
        {
            // A repeat of the Complete that already succeeded (e.g. the answer was lost): no-op.
            return job.ToProto;
        }

        LeaseGuard.EnsureHeld(job, completion.Lease);
        job.State = JobState.Succeeded;
        job.Outputs = completion.Outputs;
        job.ActualCostMicros += completion.Request.ActualCostMicros;
        job.Progress = 1;
        job.FinishedAt = tx.Now;
        job.AttemptOpen = false;
        job.ErrorCode = null;
        job.ErrorMessage = null;
        job.ErrorRetryable = false;
        LeaseExpiry.ClearLease(job);
        tx.Update(job);
        tx.AddStateEvent(job, "job.succeeded");
        if (_caps.IsCapped(job))
        {
            // A concurrency slot is free: one waiting lease may now take a capped job. Uncapped kinds need no wake-up.
            tx.WakeLeasers(job.Kind);
        }

        await JobReadiness.OnSucceededAsync(tx, job, cancellationToken, dependents).ConfigureAwait(false);
        return job.ToProto;
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

    private sealed record Completion(CompleteRequest Request, Guid Id, Guid Lease, Dictionary<string, List<string>> Outputs);
}
