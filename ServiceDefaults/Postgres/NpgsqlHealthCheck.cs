using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Montage.ServiceDefaults.Postgres;

/// <summary>Healthy when the database answers <c>SELECT 1</c>.</summary>
public sealed class NpgsqlHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            await using var command = dataSource.CreateCommand("SELECT 1");
            _ = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy();
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException or OperationCanceledException or InvalidOperationException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"PostgreSQL did not answer SELECT 1 ({exception.GetType().Name})");
        }
    }
}
