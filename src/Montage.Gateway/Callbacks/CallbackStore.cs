using System.Text.Json;
using System.Text.Json.Nodes;
using Montage.Contracts.Jobs.V1;
using Montage.Gateway.Jobs;
using Npgsql;

namespace Montage.Gateway.Callbacks;

/// <summary>The callback tables: subscriptions, the delivery queue and its claims. Postgres time throughout.</summary>
internal sealed class CallbackStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    /// <summary>Records that <paramref name="job"/>'s terminal event goes to its callback URL (idempotent).</summary>
    public async Task SubscribeAsync(Job job, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO callback_subscriptions (job_id, owner, callback_url) VALUES ($1, $2, $3) ON CONFLICT (job_id) DO NOTHING");
        command.Parameters.AddWithValue(job.Id);
        command.Parameters.AddWithValue(job.Owner);
        command.Parameters.AddWithValue(job.CallbackUrl);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Queues the delivery of a terminal job's event when the job is subscribed and this terminal event (identified by
    /// its finish time) is not queued yet. True when a delivery was queued now.
    /// </summary>
    public async Task<bool> EnqueueAsync(Job job, CancellationToken cancellationToken)
    {
        var finishedAt = (job.FinishedAt ?? job.UpdatedAt)?.ToDateTime() ?? time.GetUtcNow().UtcDateTime;
        var eventType = EventType(job.State);
        var webhookId = "msg_" + Guid.CreateVersion7().ToString("N");
        var body = new JsonObject
        {
            ["type"] = eventType,
            ["timestamp"] = finishedAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["data"] = JobJson.ToJson(job),
        }.ToJsonString(BodyOptions);

        await using var command = dataSource.CreateCommand(
            """
            WITH sub AS (
                UPDATE callback_subscriptions SET settled = true WHERE job_id = $1 RETURNING callback_url
            )
            INSERT INTO callback_deliveries (webhook_id, job_id, finished_at, event_type, callback_url, body)
            SELECT $2, $1, $3, $4, callback_url, $5 FROM sub
            ON CONFLICT (job_id, finished_at) DO NOTHING
            RETURNING webhook_id
            """);
        command.Parameters.AddWithValue(job.Id);
        command.Parameters.AddWithValue(webhookId);
        command.Parameters.AddWithValue(finishedAt);
        command.Parameters.AddWithValue(eventType);
        command.Parameters.AddWithValue(body);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string;
    }

    /// <summary>A subscribed job runs again (retried): its next terminal event is delivered too.</summary>
    public async Task UnsettleAsync(string jobId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE callback_subscriptions SET settled = false WHERE job_id = $1 AND settled");
        command.Parameters.AddWithValue(jobId);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Drops a subscription whose job no longer exists.</summary>
    public async Task SettleAsync(string jobId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE callback_subscriptions SET settled = true WHERE job_id = $1");
        command.Parameters.AddWithValue(jobId);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Open subscriptions (job id, owner), oldest first.</summary>
    public async Task<List<(string JobId, string Owner)>> OpenSubscriptionsAsync(int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT job_id, owner FROM callback_subscriptions WHERE NOT settled ORDER BY created_at LIMIT $1");
        command.Parameters.AddWithValue(limit);
        var open = new List<(string, string)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            open.Add((reader.GetString(0), reader.GetString(1)));
        }

        return open;
    }

    /// <summary>
    /// Claims due deliveries: their next attempt moves <paramref name="claimFor"/> ahead, so that another sender skips
    /// them and a crashed sender's claim lapses on its own.
    /// </summary>
    public async Task<List<PendingDelivery>> ClaimDueAsync(int limit, TimeSpan claimFor, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            UPDATE callback_deliveries SET next_attempt_at = now() + $2, attempts = attempts + 1
            WHERE webhook_id IN (
                SELECT webhook_id FROM callback_deliveries
                WHERE state = 'pending' AND next_attempt_at <= now()
                ORDER BY next_attempt_at
                LIMIT $1
                FOR UPDATE SKIP LOCKED)
            RETURNING webhook_id, job_id, callback_url, body, attempts
            """);
        command.Parameters.AddWithValue(limit);
        command.Parameters.AddWithValue(claimFor);
        var claimed = new List<PendingDelivery>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            claimed.Add(new PendingDelivery(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4)));
        }

        return claimed;
    }

    /// <summary>How long until the next pending delivery is due; null when none is pending.</summary>
    public async Task<TimeSpan?> NextDueInAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT min(next_attempt_at) - now() FROM callback_deliveries WHERE state = 'pending'");
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is TimeSpan due ? due : null;
    }

    /// <summary>Records an attempt's outcome: delivered, gone (410), retried after <paramref name="retryIn"/>, or given up.</summary>
    public async Task RecordAttemptAsync(string webhookId, DeliveryOutcome outcome, int? status, string? error, TimeSpan? retryIn, CancellationToken cancellationToken)
    {
        var state = outcome switch
        {
            DeliveryOutcome.Delivered => "delivered",
            DeliveryOutcome.Gone => "disabled",
            _ => retryIn is null ? "failed" : "pending",
        };
        await using var command = dataSource.CreateCommand(
            """
            UPDATE callback_deliveries
            SET state = $2, last_status = $3, last_error = $4,
                next_attempt_at = CASE WHEN $2 = 'pending' THEN now() + $5 ELSE next_attempt_at END,
                delivered_at = CASE WHEN $2 = 'delivered' THEN now() ELSE delivered_at END
            WHERE webhook_id = $1
            """);
        command.Parameters.AddWithValue(webhookId);
        command.Parameters.AddWithValue(state);
        command.Parameters.AddWithValue(status is { } s ? s : DBNull.Value);
        command.Parameters.AddWithValue(error is { } e ? e : DBNull.Value);
        command.Parameters.AddWithValue(retryIn ?? TimeSpan.Zero);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    internal static string EventType(JobState state) => state switch
    {
        JobState.Succeeded => "job.succeeded",
        JobState.Failed => "job.failed",
        JobState.Canceled => "job.canceled",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "Only terminal states are called back."),
    };

    private static readonly JsonSerializerOptions BodyOptions = new() { WriteIndented = false };
}

/// <summary>A claimed delivery: what to send, and which attempt this is (1-based).</summary>
internal sealed record PendingDelivery(string WebhookId, string JobId, string CallbackUrl, string Body, int Attempt);

internal enum DeliveryOutcome
{
    Delivered,
    Gone,
    Failed,
}
