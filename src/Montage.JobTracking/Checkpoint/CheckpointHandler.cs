using Microsoft.Extensions.Options;
using Montage.Contracts.Jobs.V1;
using Montage.Grpc;
using Montage.JobTracking.Batching;
using Montage.JobTracking.Leasing;
using Montage.JobTracking.Persistence;
using Montage.JobTracking.ProviderEvents;
using Npgsql;

namespace Montage.JobTracking.Checkpoint;

/// <summary>
/// Checkpoint: records the provider request of the current attempt, committed before the answer, so a crash
/// after a paid submit is resumed rather than paid again. A different request id in the same attempt is
/// refused: it would mean a second paid submit. A submit intent (recorded just before a paid submit is sent) marks
/// the moment between the submit and its request id's Checkpoint, so a later holder knows the outcome is unknown.
/// <para>
/// Checkpoints with a request id go through group commit: those that arrive while the previous batch executes are
/// committed together (their rows locked in id order and their early webhooks read in one round trip, each checked
/// and answered on its own, one commit). Two items of one batch naming the same provider request for two jobs fail
/// the batch's commit on the unique index; its items then run one by one and the second gets its precise refusal.
/// </para>
/// </summary>
internal sealed class CheckpointHandler : IAsyncDisposable
{
    // Early deliveries of any of the batch's provider requests.
    private const string EarlyManySql = """
        SELECT pe.provider, pe.request_id, pe.outcome, pe.payload_json, pe.received_at
        FROM unnest($1::text[], $2::text[]) AS r(provider, request_id)
        JOIN provider_events pe ON pe.provider = r.provider AND pe.request_id = r.request_id AND pe.job_id IS NULL
        ORDER BY pe.recorded_at
        """;

    private readonly JobDatabase _database;
    private readonly GroupCommit<CheckpointRequest, CheckpointResponse>? _group;

    public CheckpointHandler(JobDatabase database, IOptions<JobTrackingOptions> options, ILogger<CheckpointHandler> logger)
    {
        _database = database;
        var settings = options.Value;
        _group = settings.GroupCommitMaxBatch > 1
            ? new GroupCommit<CheckpointRequest, CheckpointResponse>("Checkpoint", RunBatchAsync, RunOneAsync, settings.GroupCommitMaxBatch, settings.GroupCommitExecutors, logger)
            : null;
    }

    /// <summary>Batches of two or more checkpoints executed so far and their items.</summary>
    public (long Batches, long Items) Batched => _group?.Batched ?? (0, 0);

    public ValueTask DisposeAsync() => _group?.DisposeAsync() ?? ValueTask.CompletedTask;

    public async Task<CheckpointResponse> HandleAsync(CheckpointRequest request, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Provider) || request.Provider.Length > 64)
        {
            throw Errors.InvalidArgument("provider is required (e.g. \"fal\", \"kie\", \"local\")");
        }

        if (request.SubmitIntent)
        {
            return await RecordIntentAsync(request, cancellationToken).ConfigureAwait(false);
        }

        if (string.IsNullOrWhiteSpace(request.RequestId) || request.RequestId.Length > 256)
        {
            throw Errors.InvalidArgument("request_id is required (the provider's handle, at most 256 characters)");
        }

        if (request.ProviderStatus.Length > 256)
        {
            throw Errors.InvalidArgument("provider_status is longer than 256 characters");
        }

        _ = Errors.ParseJobId(request.JobId, "job_id");
        _ = Errors.ParseLeaseId(request.LeaseId);
        return _group is not null
            ? await _group.RunAsync(request, cancellationToken).ConfigureAwait(false)
            : await RunOneAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private async Task<CheckpointResponse> RunOneAsync(CheckpointRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await _database.RunAsync(async tx =>
            {
                // The row lock and any webhook that outran this Checkpoint, in one round trip.
                var early = new List<ProviderEventDelivery>();
                var job = await LeaseGuard.LoadHeldAsync(tx, request.JobId, request.LeaseId, cancellationToken,
                    (ProviderEventStore.EarlySql(request.Provider, request.RequestId), r => early.Add(ProviderEventStore.Read(r)))).ConfigureAwait(false);
                var answer = Apply(tx, job, request, early);
                await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
                return answer();
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException exception) when (exception is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "jobs_checkpoint" })
        {
            throw Errors.FailedPrecondition($"provider request {request.Provider}/{Errors.Truncate(request.RequestId)} already belongs to another job");
        }
    }

    private Task<Func<CheckpointResponse>[]> RunBatchAsync(IReadOnlyList<CheckpointRequest> requests, CancellationToken cancellationToken) =>
        _database.RunAsync(async tx =>
        {
            var ids = requests.Select(r => Guid.Parse(r.JobId)).Distinct().ToArray();
            var jobs = new Dictionary<Guid, JobRecord>();
            var early = new List<ProviderEventDelivery>();
            await tx.ReadAsync(cancellationToken,
                (JobTransaction.LockJobsSql(ids), r =>
                {
                    var job = JobRecord.Read(r);
                    jobs[job.Id] = job;
                }),
                (JobTransaction.Sql(EarlyManySql,
                    new NpgsqlParameter<string[]> { TypedValue = requests.Select(r => r.Provider).ToArray() },
                    new NpgsqlParameter<string[]> { TypedValue = requests.Select(r => r.RequestId).ToArray() }), r => early.Add(ProviderEventStore.Read(r)))).ConfigureAwait(false);

            // One after the other on the same row objects, as if each ran alone in this order.
            var answers = new Func<CheckpointResponse>[requests.Count];
            for (var i = 0; i < requests.Count; i++)
            {
                var request = requests[i];
                var changes = tx.Changes;
                try
                {
                    if (!jobs.TryGetValue(Guid.Parse(request.JobId), out var job))
                    {
                        throw Errors.JobNotFound(request.JobId);
                    }

                    LeaseGuard.EnsureHeld(job, Guid.Parse(request.LeaseId));
                    var itsEarly = early.Where(e => e.Provider == request.Provider && e.RequestId == request.RequestId).ToList();
                    answers[i] = Apply(tx, job, request, itsEarly);
                }
                catch (RpcException exception) when (tx.Changes == changes)
                {
                    // Refused before it changed anything (unknown job, lease lost, another request id): only this caller hears of it.
                    answers[i] = () => throw exception;
                }
            }

            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return answers;
        }, cancellationToken);

    /// <summary>The checkpoint on its locked, held row; throws (before changing anything) if it is refused. The answer is read after COMMIT.</summary>
    private static Func<CheckpointResponse> Apply(JobTransaction tx, JobRecord job, CheckpointRequest request, List<ProviderEventDelivery> early)
    {
        if (job.CheckpointRequestId is not null)
        {
            if (job.CheckpointRequestId != request.RequestId || job.CheckpointProvider != request.Provider)
            {
                throw Errors.FailedPrecondition(
                    $"job {job.Id} already has provider request {job.CheckpointProvider}/{job.CheckpointRequestId} in attempt {job.Attempts}; " +
                    "a second request would be paid twice: resume the first");
            }

            if (request.ProviderStatus.Length > 0 && request.ProviderStatus != job.CheckpointStatus)
            {
                job.CheckpointStatus = request.ProviderStatus;
                job.CheckpointUpdatedAt = tx.Now;
                tx.Update(job);
                tx.AddStateEvent(job, "job.checkpoint");
            }
        }
        else
        {
            job.CheckpointProvider = request.Provider;
            job.CheckpointRequestId = request.RequestId;
            job.CheckpointStatus = request.ProviderStatus;
            job.CheckpointSubmittedAt = request.SubmittedAt is { } submitted ? submitted.ToDateTime() : tx.Now;
            job.CheckpointUpdatedAt = tx.Now;
            tx.Update(job);
            tx.AddStateEvent(job, "job.checkpoint");
            ProviderEventStore.AttachEarly(tx, job, early);
        }

        return () => new CheckpointResponse { Checkpoint = job.ToProto().ProviderCheckpoint, CancelRequested = job.CancelRequested };
    }

    private async Task<CheckpointResponse> RecordIntentAsync(CheckpointRequest request, CancellationToken cancellationToken)
    {
        if (request.RequestId.Length > 0)
        {
            throw Errors.InvalidArgument("a submit intent has no request_id yet: send the request id in a Checkpoint of its own after the submit");
        }

        var lease = Errors.ParseLeaseId(request.LeaseId);
        return await _database.RunAsync(async tx =>
        {
            var job = await LeaseGuard.LoadHeldAsync(tx, request.JobId, request.LeaseId, cancellationToken).ConfigureAwait(false);
            if (job.CheckpointRequestId is not null)
            {
                throw Errors.FailedPrecondition(
                    $"job {job.Id} already has provider request {job.CheckpointProvider}/{job.CheckpointRequestId} in attempt {job.Attempts}: resume it, do not submit again");
            }

            var response = new CheckpointResponse { CancelRequested = job.CancelRequested };
            if (SubmitIntent.IsIntent(job) && !SubmitIntent.RecordedUnder(job, lease))
            {
                // An earlier holder of this attempt was about to submit and never recorded a request id: it may have
                // been accepted (and billed). Left as it is, so the intent's time still bounds the reconciliation.
                response.SubmitOutcomeUnknown = true;
            }
            else if (!SubmitIntent.IsIntent(job))
            {
                SubmitIntent.Record(job, request.Provider, lease, tx.Now);
                tx.Update(job);
            }

            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            response.Checkpoint = SubmitIntent.ToProto(job);
            return response;
        }, cancellationToken).ConfigureAwait(false);
    }
}
