using Montage.Contracts.Jobs.V1;
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
/// </summary>
internal sealed class CheckpointHandler(JobDatabase database)
{
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

        try
        {
            return await database.RunAsync(async tx =>
            {
                // The row lock and any webhook that outran this Checkpoint, in one round trip.
                var early = new List<ProviderEventDelivery>();
                var job = await LeaseGuard.LoadHeldAsync(tx, request.JobId, request.LeaseId, cancellationToken,
                    (ProviderEventStore.EarlySql(request.Provider, request.RequestId), r => early.Add(ProviderEventStore.Read(r)))).ConfigureAwait(false);
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

                await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
                return new CheckpointResponse { Checkpoint = job.ToProto().ProviderCheckpoint, CancelRequested = job.CancelRequested };
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException exception) when (exception is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "jobs_checkpoint" })
        {
            throw Errors.FailedPrecondition($"provider request {request.Provider}/{Errors.Truncate(request.RequestId)} already belongs to another job");
        }
    }

    private async Task<CheckpointResponse> RecordIntentAsync(CheckpointRequest request, CancellationToken cancellationToken)
    {
        if (request.RequestId.Length > 0)
        {
            throw Errors.InvalidArgument("a submit intent has no request_id yet: send the request id in a Checkpoint of its own after the submit");
        }

        var lease = Errors.ParseLeaseId(request.LeaseId);
        return await database.RunAsync(async tx =>
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
