namespace Montage.Gateway.Safety;

/// <summary>
/// Deletes Idempotency-Key records past their retention, every <see cref="GatewayOptions.IdempotencyPruneInterval"/>,
/// in batches so no single statement holds many row locks. Expiry itself does not wait for this: a claim takes over an
/// expired record at once (see <see cref="IdempotencyStore"/>); pruning only keeps the table small.
/// </summary>
internal sealed partial class IdempotencyPruner(IdempotencyStore store, Microsoft.Extensions.Options.IOptions<GatewayOptions> options, ILogger<IdempotencyPruner> logger) : BackgroundService
{
    private const int Batch = 5000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.IdempotencyPruneInterval);
        try
        {
            do
            {
                try
                {
                    var total = 0;
                    int deleted;
                    do
                    {
                        deleted = await store.PruneAsync(Batch, stoppingToken).ConfigureAwait(false);
                        total += deleted;
                    }
                    while (deleted == Batch);

                    if (total > 0)
                    {
                        LogPruned(logger, total);
                    }
                }
                catch (Exception exception) when (exception is Npgsql.NpgsqlException or TimeoutException)
                {
                    LogPruneFailed(logger, exception.GetType().Name);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "Pruned {Count} expired Idempotency-Key records.")]
    private static partial void LogPruned(ILogger logger, int count);

    [LoggerMessage(EventId = 401, Level = LogLevel.Warning, Message = "Pruning Idempotency-Key records failed ({Reason}); retrying at the next interval.")]
    private static partial void LogPruneFailed(ILogger logger, string reason);
}
