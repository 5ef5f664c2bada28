using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Montage.Contracts.Jobs.V1;
using Montage.JobTracking.Checkpoint;
using Montage.JobTracking.Persistence;
using Npgsql;

namespace Montage.JobTracking.ProviderEvents;

/// <summary>
/// DeliverProviderEvent: a verified webhook, recorded once per (provider, request id, outcome) so repeats are
/// recognized, attached to the job holding the request id, and announced to its lease holder. A delivery for a
/// request not checkpointed yet is kept and attached by the Checkpoint that names it, unless the webhook URL's job
/// hint names a job whose submit outcome is unknown (a submit intent, no request id, same provider): the delivery is
/// then recorded on that job at once, because its worker never learned the request id and waits for exactly this.
/// The hint is not signed, so it only ever picks a job that has no request id; the worker confirms the request with
/// the provider (our own account's requests only) before adopting it.
/// </summary>
internal sealed class DeliverProviderEventHandler(JobDatabase database, IOptions<JobTrackingOptions> options)
{
    private static readonly string[] Outcomes = ["succeeded", "failed", "progress"];

    // $1 provider, $2 request id, $3 hinted job id: the job holding the request, or the hinted job if it awaits a
    // request id from this provider (submit intent, current attempt still open: queued between holders or running).
    private const string HolderOrHinted = $"""
        (checkpoint_provider = $1 AND checkpoint_request_id = $2)
        OR (id = $3 AND checkpoint_provider = $1 AND checkpoint_request_id IS NULL AND checkpoint_status LIKE '{SubmitIntent.StatusPrefix}%' AND state IN (2, 3))
        """;

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
            var hint = Guid.TryParse(request.JobIdHint, out var hinted) ? hinted : Guid.Empty;
            var find = JobTransaction.Sql($"SELECT {JobRecord.Columns} FROM jobs WHERE {HolderOrHinted} ORDER BY checkpoint_request_id IS NULL FOR UPDATE",
                new NpgsqlParameter<string> { TypedValue = request.Provider },
                new NpgsqlParameter<string> { TypedValue = request.RequestId },
                new NpgsqlParameter<Guid> { TypedValue = hint });

            // recorded_at from the same clock as a submit intent's time, which bounds the deliveries listed for it.
            var insert = JobTransaction.Sql($"""
                INSERT INTO provider_events (provider, request_id, outcome, payload_json, received_at, job_id, recorded_at)
                SELECT $1, $2, $4, $5, $6, (SELECT id FROM jobs WHERE {HolderOrHinted} ORDER BY checkpoint_request_id IS NULL LIMIT 1), $7
                ON CONFLICT DO NOTHING RETURNING 1
                """,
                new NpgsqlParameter<string> { TypedValue = request.Provider },
                new NpgsqlParameter<string> { TypedValue = request.RequestId },
                new NpgsqlParameter<Guid> { TypedValue = hint },
                new NpgsqlParameter<string> { TypedValue = request.Outcome },
                new NpgsqlParameter<string> { TypedValue = payload },
                new NpgsqlParameter<DateTime> { TypedValue = receivedAt },
                new NpgsqlParameter<DateTime> { TypedValue = tx.Now });

            // The job holding the request comes first; a hinted job only when none does (the ORDER BY).
            await tx.ReadAsync(cancellationToken, (find, r => job ??= JobRecord.Read(r)), (insert, _ => inserted = true)).ConfigureAwait(false);

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
            return new DeliverProviderEventResponse
            {
                Matched = job is not null,
                JobId = job?.Id.ToString() ?? "",
                Duplicate = !inserted,
                MatchedByHint = job is not null && job.CheckpointRequestId is null,
            };
        }, cancellationToken).ConfigureAwait(false);
    }
}
