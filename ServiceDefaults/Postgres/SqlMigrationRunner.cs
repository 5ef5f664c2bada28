using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Montage.ServiceDefaults.Postgres;

/// <summary>
/// Applies the embedded <c>Migrations/NNNN_name.sql</c> scripts in order at start-up, each in its own transaction,
/// under a session advisory lock so that several replicas starting at once apply each script exactly once.
/// Runs as a hosted service, which the host starts before Kestrel accepts calls. Each service owns its database, and
/// advisory locks are scoped to one database, so one lock key serves every service.
/// </summary>
public sealed partial class SqlMigrationRunner(SqlMigrationSource source, NpgsqlDataSource dataSource, ILogger<SqlMigrationRunner> logger) : IHostedService
{
    // Any constant; pg_advisory_lock takes a bigint ("MontMigr" in ASCII).
    private const long MigrationLockKey = 0x4D6F6E744D696772;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var scripts = LoadScripts(source);
        await using var connection = await OpenWithRetryAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, null, "SELECT pg_advisory_lock(@key)", cancellationToken, ("key", MigrationLockKey)).ConfigureAwait(false);
        try
        {
            await ExecuteAsync(connection, null,
                "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
                cancellationToken).ConfigureAwait(false);
            var applied = new HashSet<int>();
            await using (var command = new NpgsqlCommand("SELECT version FROM schema_migrations", connection))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    applied.Add(reader.GetInt32(0));
                }
            }

            foreach (var (version, name, sql) in scripts.Where(s => !applied.Contains(s.Version)))
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, transaction, sql, cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, transaction, "INSERT INTO schema_migrations (version, name) VALUES (@version, @name)",
                    cancellationToken, ("version", version), ("name", name)).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                LogApplied(logger, version, name);
            }
        }
        finally
        {
            await ExecuteAsync(connection, null, "SELECT pg_advisory_unlock(@key)", CancellationToken.None, ("key", MigrationLockKey)).ConfigureAwait(false);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The scripts embedded under the source's resource prefix, as <c>NNNN_name.sql</c>, in version order.</summary>
    public static List<(int Version, string Name, string Sql)> LoadScripts(SqlMigrationSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var assembly = source.Assembly;
        var prefix = source.ResourcePrefix;
        var scripts = new List<(int Version, string Name, string Sql)>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal)))
        {
            var name = resource[prefix.Length..^4];
            var version = int.Parse(name.AsSpan(0, name.IndexOf('_', StringComparison.Ordinal)), NumberStyles.None, CultureInfo.InvariantCulture);
            scripts.Add((version, name, ReadResource(assembly, resource)));
        }

        return scripts.OrderBy(s => s.Version).ToList();
    }

    private static string ReadResource(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    // The database may still be starting when the service starts (AppHost, restarts): retry for a while.
    private async Task<NpgsqlConnection> OpenWithRetryAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (NpgsqlException exception) when (attempt < 30)
            {
                LogDatabaseUnavailable(logger, attempt, exception.GetType().Name);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Applied migration {Version} ({Name}).")]
    private static partial void LogApplied(ILogger logger, int version, string name);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Database not reachable yet (attempt {Attempt}, {Error}); retrying.")]
    private static partial void LogDatabaseUnavailable(ILogger logger, int attempt, string error);
}
