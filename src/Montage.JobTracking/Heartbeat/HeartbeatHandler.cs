using Montage.Contracts.Jobs.V1;
using Montage.JobTracking.Leasing;
using Montage.JobTracking.Persistence;
using Montage.JobTracking.ProviderEvents;

namespace Montage.JobTracking.Heartbeat;

/// <summary>Heartbeat: extends the lease and tells the worker about a cancel request and provider webhooks.</summary>
internal sealed class HeartbeatHandler(JobDatabase database)
{
    public async Task<HeartbeatResponse> HandleAsync(HeartbeatRequest request, CancellationToken cancellationToken)
    {
        var extendBy = request.ExtendBy?.ToTimeSpan();
        if (extendBy is { } e && (e < TimeSpan.FromSeconds(1) || e > TimeSpan.FromHours(1)))
        {
            throw Errors.InvalidArgument("extend_by must be between 1 s and 1 h");
        }

        return await database.RunAsync(async tx =>
        {
            // The row lock and the webhook deliveries of its provider request, in one round trip.
            var deliveries = new List<ProviderEventDelivery>();
            var job = await LeaseGuard.LoadHeldAsync(tx, request.JobId, request.LeaseId, cancellationToken,
                (ProviderEventStore.ForJobSql(Errors.ParseJobId(request.JobId, "job_id")), r => deliveries.Add(ProviderEventStore.Read(r)))).ConfigureAwait(false);
            job.LeaseExpiresAt = tx.Now + (extendBy ?? TimeSpan.FromMilliseconds(job.LeaseDurationMs ?? 60_000));
            tx.Update(job);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            var response = new HeartbeatResponse { CancelRequested = job.CancelRequested, LeaseExpiresAt = JobRecord.Stamp(job.LeaseExpiresAt.Value) };
            response.ProviderEvents.AddRange(deliveries);
            return response;
        }, cancellationToken).ConfigureAwait(false);
    }
}
