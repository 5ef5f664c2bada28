using Montage.Contracts.Jobs.V1;
using Montage.JobTracking.Persistence;
using Npgsql;

namespace Montage.JobTracking.ProviderEvents;

/// <summary>Reads and attaches recorded provider webhook deliveries; the reads are statements a handler sends with its own.</summary>
internal static class ProviderEventStore
{
    private const string DeliveryColumns = "pe.provider, pe.request_id, pe.outcome, pe.payload_json, pe.received_at";

    /// <summary>
    /// Every delivery for the provider request the job holds (none before its Checkpoint); while the job has a submit
    /// intent and no request id, the deliveries recorded on it by the webhook's job hint since the intent, which the
    /// worker reconciling the submit confirms with the provider.
    /// </summary>
    public static NpgsqlBatchCommand ForJobSql(Guid jobId) => JobTransaction.Sql($"""
        SELECT {DeliveryColumns} FROM provider_events pe
        JOIN jobs j ON pe.provider = j.checkpoint_provider AND (pe.request_id = j.checkpoint_request_id
            OR (j.checkpoint_request_id IS NULL AND pe.job_id = j.id AND pe.recorded_at >= j.checkpoint_submitted_at))
        WHERE j.id = $1 ORDER BY pe.recorded_at
        """, new NpgsqlParameter<Guid> { TypedValue = jobId });

    /// <summary>Deliveries for a provider request that no job held when they arrived (the webhook outran the Checkpoint).</summary>
    public static NpgsqlBatchCommand EarlySql(string provider, string requestId) => JobTransaction.Sql($"""
        SELECT {DeliveryColumns} FROM provider_events pe
        WHERE pe.provider = $1 AND pe.request_id = $2 AND pe.job_id IS NULL ORDER BY pe.recorded_at
        """,
        new NpgsqlParameter<string> { TypedValue = provider },
        new NpgsqlParameter<string> { TypedValue = requestId });

    /// <summary>The early deliveries now belong to the job that checkpointed their request; its worker hears of them.</summary>
    public static void AttachEarly(JobTransaction tx, JobRecord job, IReadOnlyList<ProviderEventDelivery> early)
    {
        if (early.Count == 0)
        {
            return;
        }

        tx.Write(JobTransaction.Sql("UPDATE provider_events SET job_id = $1 WHERE provider = $2 AND request_id = $3 AND job_id IS NULL",
            new NpgsqlParameter<Guid> { TypedValue = job.Id },
            new NpgsqlParameter<string> { TypedValue = job.CheckpointProvider ?? "" },
            new NpgsqlParameter<string> { TypedValue = job.CheckpointRequestId ?? "" }));
        foreach (var delivery in early)
        {
            tx.AddEvent(job, new JobEvent { Type = "job.provider_event", ProviderEvent = delivery });
        }

        tx.WakeProviderWaiter(job.Id);
    }

    public static ProviderEventDelivery Read(NpgsqlDataReader reader) => new()
    {
        Provider = reader.GetString(0),
        RequestId = reader.GetString(1),
        Outcome = reader.GetString(2),
        PayloadJson = reader.GetString(3),
        ReceivedAt = JobRecord.Stamp(reader.GetDateTime(4)),
    };
}
