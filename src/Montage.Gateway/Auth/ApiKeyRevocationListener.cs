using Microsoft.Extensions.Options;
using Montage.ServiceDefaults;
using Npgsql;

namespace Montage.Gateway.Auth;

/// <summary>
/// Listens for key revocations (Postgres <c>LISTEN</c> on <see cref="ApiKeyStore.RevocationChannel"/>, on a dedicated
/// connection outside the pool) and drops each revoked key from this instance's cache. While the connection is down a
/// revocation could go unheard, so the cache is cleared and bypassed until it is back (reconnecting with backoff, 1 s
/// doubling to 30 s); cached lookups resume only once <c>LISTEN</c> is in place again.
/// </summary>
internal sealed partial class ApiKeyRevocationListener(
    ApiKeyStore store,
    IOptionsMonitor<ConnectionStringSettings> connectionStrings,
    ILoggerFactory loggerFactory,
    ILogger<ApiKeyRevocationListener> logger) : BackgroundService
{
    /// <summary>The listening connection's application_name, so operators can find it in pg_stat_activity.</summary>
    public const string ApplicationName = "montage-gateway-key-revocations";

    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(connectionStrings.Get("gateway").ConnectionString)
        {
            Pooling = false,
            ApplicationName = ApplicationName,

            // A keepalive query every 15 s: a connection that died silently fails the wait instead of blocking it forever.
            KeepAlive = 15,
        };
        var dataSourceBuilder = new NpgsqlDataSourceBuilder(connectionString.ConnectionString);
        dataSourceBuilder.UseLoggerFactory(loggerFactory);
        await using var dataSource = dataSourceBuilder.Build();

        var retryDelay = FirstRetryDelay;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken).ConfigureAwait(false);
                connection.Notification += (_, notification) => store.Evict(notification.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {ApiKeyStore.RevocationChannel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken).ConfigureAwait(false);
                }

                store.StartTrustingCache();
                LogListening(logger);
                retryDelay = FirstRetryDelay;
                while (true)
                {
                    await connection.WaitAsync(stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                // Whatever broke the connection, the listener must not die: without it the cache could not be trusted.
                store.StopTrustingCache();
                LogLost(logger, exception.GetType().Name, exception.Message, retryDelay.TotalSeconds);
            }

            try
            {
                await Task.Delay(retryDelay, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            retryDelay = TimeSpan.FromTicks(Math.Min(retryDelay.Ticks * 2, MaxRetryDelay.Ticks));
        }

        store.StopTrustingCache();
    }

    [LoggerMessage(EventId = 320, Level = LogLevel.Information, Message = "Listening for API key revocations; cached key lookups are in use.")]
    private static partial void LogListening(ILogger logger);

    [LoggerMessage(EventId = 321, Level = LogLevel.Warning,
        Message = "The API key revocation listener lost its connection ({Reason}: {Detail}); the key cache is cleared and bypassed, reconnecting in {DelaySeconds} s.")]
    private static partial void LogLost(ILogger logger, string reason, string detail, double delaySeconds);
}
