using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Montage.Contracts.Jobs.V1;
using Montage.JobTracking.Persistence;
using Npgsql;

namespace Montage.JobTracking.ProviderEvents;

/// <summary>
/// DeliverProviderEvent: a verified webhook, recorded once per (provider, request id, outcome) so repeats are
/// recognized, attached to the job holding the request id, and announced to its lease holder. A delivery for a
/// request not checkpointed yet is kept and attached by the Checkpoint that names it.
/// </summary>
internal sealed class DeliverProviderEventHandler(JobDatabase database, IOptions<JobTrackingOptions> options)
{
    private static readonly string[] Outcomes = ["succeeded", "failed", "progress"];

    public async Task<DeliverProviderEventResponse> HandleAsync(DeliverProviderEventRequest request, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Provider) || request.Provider.Length > 64)
        {
            throw Errors.InvalidArgument("provider is required");
        }

        if (string.IsNullOrWhiteSpace(request.RequestId) || request.RequestId.Length > 256)
        {
            throw Errors.InvalidArgument("request_id is required (at most 256 characters)");
        }

        if (!Outcomes.Contains(request.Outcome, StringComparer.Ordinal))
        {
            throw Errors.InvalidArgument($"outcome '{Errors.Truncate(request.Outcome)}' is not one of: {string.Join(", ", Outcomes)}");
        }

        var bytes = Encoding.UTF8.GetByteCount(request.PayloadJson);
        if (bytes > options.Value.MaxProviderPayloadBytes)
        {
            throw Errors.InvalidArgument($"payload_json is {bytes} bytes; the limit is {options.Value.MaxProviderPayloadBytes}");
        }

        var payload = request.PayloadJson.Length == 0 ? "{}" : request.PayloadJson;
        try
        {
            using var _ = JsonDocument.Parse(payload);
        }
        catch (JsonException exception)
        {
            throw Errors.InvalidArgument($"payload_json is not valid JSON: {exception.Message}");
        }

        return await database.RunAsync(async tx =>
        {
            // The job holding the request (locked) and the recorded delivery, in one round trip.
            var receivedAt = request.ReceivedAt?.ToDateTime() ?? tx.Now;
            JobRecord? job = null;
            var inserted = false;
            var find = JobTransaction.Sql($"SELECT {JobRecord.Columns} FROM jobs WHERE checkpoint_provider = $1 AND checkpoint_request_id = $2 FOR UPDATE",
                new NpgsqlParameter<string> { TypedValue = request.Provider },
                new NpgsqlParameter<string> { TypedValue = request.RequestId });
            var insert = JobTransaction.Sql("""
                INSERT INTO provider_events (provider, request_id, outcome, payload_json, received_at, job_id)
                SELECT $1, $2, $3, $4, $5, (SELECT id FROM jobs WHERE checkpoint_provider = $1 AND checkpoint_request_id = $2)
                ON CONFLICT DO NOTHING RETURNING 1
                """,
                new NpgsqlParameter<string> { TypedValue = request.Provider },
                new NpgsqlParameter<string> { TypedValue = request.RequestId },
                new NpgsqlParameter<string> { TypedValue = request.Outcome },
                new NpgsqlParameter<string> { TypedValue = payload },
                new NpgsqlParameter<DateTime> { TypedValue = receivedAt });
            await tx.ReadAsync(cancellationToken, (find, r => job = JobRecord.Read(r)), (insert, _ => inserted = true)).ConfigureAwait(false);

            if (job is not null && inserted)
            {
                tx.AddEvent(job, new JobEvent
                {
                    Type = "job.provider_event",
                    ProviderEvent = new ProviderEventDelivery
                    {
                        Provider = request.Provider,
                        RequestId = request.RequestId,
                        Outcome = request.Outcome,
                        PayloadJson = payload,
                        ReceivedAt = JobRecord.Stamp(receivedAt),
                    },
                });
                tx.WakeProviderWaiter(job.Id);
            }

            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return new DeliverProviderEventResponse { Matched = job is not null, JobId = job?.Id.ToString() ?? "", Duplicate = !inserted };
        }, cancellationToken).ConfigureAwait(false);
    }
}
