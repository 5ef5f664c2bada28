using Microsoft.Extensions.Options;
using Montage.JobTracking.Leasing;
using Montage.JobTracking.Persistence;
using Npgsql;

namespace Montage.JobTracking.Housekeeping;

/// <summary>
/// Periodic, in short transactions: expired leases are requeued (or time out), and events and provider
/// deliveries older than the retention are pruned in batches. Safe on every replica at once (SKIP LOCKED).
/// </summary>
internal sealed partial class HousekeepingService(JobDatabase database, IOptions<JobTrackingOptions> options, ILogger<HousekeepingService> logger)
    : BackgroundService
{
    private const int Batch = 5000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(settings, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException && !stoppingToken.IsCancellationRequested)
            {
                LogFailed(logger, exception.GetType().Name);
            }

            try
            {
                await Task.Delay(settings.HousekeepingInterval, database.Time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    internal async Task RunOnceAsync(JobTrackingOptions settings, CancellationToken cancellationToken)
    {
        int handled;
        do
        {
            handled = await database.RunAsync(async tx =>
            {
                var n = await LeaseExpiry.HandleExpiredAsync(tx, null, 500, cancellationToken).ConfigureAwait(false);
                await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
                return n;
            }, cancellationToken).ConfigureAwait(false);
            if (handled > 0)
            {
                LogExpired(logger, handled);
            }
        }
        while (handled == 500);

        var cutoff = database.Time.GetUtcNow().UtcDateTime - settings.EventRetention;
        await PruneAsync("DELETE FROM job_events WHERE sequence IN (SELECT sequence FROM job_events WHERE time < $1 ORDER BY time LIMIT " + Batch + ")", cutoff, cancellationToken).ConfigureAwait(false);
        await PruneAsync("DELETE FROM provider_events WHERE ctid IN (SELECT ctid FROM provider_events WHERE recorded_at < $1 LIMIT " + Batch + ")", cutoff, cancellationToken).ConfigureAwait(false);
    }

    private async Task PruneAsync(string sql, DateTime cutoff, CancellationToken cancellationToken)
    {
        int deleted;
        do
        {
            await using var command = database.DataSource.CreateCommand(sql);
            command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = cutoff });
            deleted = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            if (deleted > 0)
            {
                LogPruned(logger, deleted);
            }
        }
        while (deleted == Batch);
    }

    [LoggerMessage(EventId = 400, Level = LogLevel.Warning, Message = "Housekeeping failed ({Error}); retrying next round.")]
    private static partial void LogFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 401, Level = LogLevel.Information, Message = "Handled {Count} expired leases.")]
    private static partial void LogExpired(ILogger logger, int count);

    [LoggerMessage(EventId = 402, Level = LogLevel.Debug, Message = "Pruned {Count} rows older than the retention.")]
    private static partial void LogPruned(ILogger logger, int count);
}
