using Montage.Contracts.Jobs.V1;
using Montage.JobTracking.Persistence;
using Npgsql;

namespace Montage.JobTracking.ProviderEvents;

/// <summary>Reads and attaches recorded provider webhook deliveries.</summary>
internal static class ProviderEventStore
{
    public static async Task<List<ProviderEventDelivery>> ForRequestAsync(JobTransaction tx, JobRecord job, CancellationToken cancellationToken)
    {
        var list = new List<ProviderEventDelivery>();
        if (job.CheckpointRequestId is null)
        {
            return list;
        }

        await using var command = tx.Command("""
            SELECT provider, request_id, outcome, payload_json, received_at FROM provider_events
            WHERE provider = $1 AND request_id = $2 ORDER BY recorded_at
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = job.CheckpointProvider ?? "" });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = job.CheckpointRequestId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(Read(reader));
        }

        return list;
    }

    /// <summary>Deliveries that arrived before the Checkpoint (the webhook outran it) now belong to the job.</summary>
    public static async Task AttachEarlyAsync(JobTransaction tx, JobRecord job, CancellationToken cancellationToken)
    {
        await using var command = tx.Command("""
            UPDATE provider_events SET job_id = $1 WHERE provider = $2 AND request_id = $3 AND job_id IS NULL
            RETURNING provider, request_id, outcome, payload_json, received_at
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = job.Id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = job.CheckpointProvider ?? "" });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = job.CheckpointRequestId ?? "" });
        var attached = new List<ProviderEventDelivery>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                attached.Add(Read(reader));
            }
        }

        foreach (var delivery in attached)
        {
            tx.AddEvent(job, new JobEvent { Type = "job.provider_event", ProviderEvent = delivery });
            tx.WakeProviderWaiter(job.Id);
        }
    }

    private static ProviderEventDelivery Read(NpgsqlDataReader reader) => new()
    {
        Provider = reader.GetString(0),
        RequestId = reader.GetString(1),
        Outcome = reader.GetString(2),
        PayloadJson = reader.GetString(3),
        ReceivedAt = JobRecord.Stamp(reader.GetDateTime(4)),
    };
}
