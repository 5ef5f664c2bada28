using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Montage.ServiceDefaults.Redis;

/// <summary>Healthy when Redis answers PING.</summary>
public sealed class RedisHealthCheck(IConnectionMultiplexer connection) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            var latency = await connection.GetDatabase().PingAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy(string.Create(CultureInfo.InvariantCulture, $"PING answered in {latency.TotalMilliseconds:0.#} ms"));
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException or OperationCanceledException or AggregateException)
        {
            // The exception itself is left out: StackExchange.Redis messages carry connection details.
            return new HealthCheckResult(context.Registration.FailureStatus, $"Redis did not answer PING ({exception.GetType().Name})");
        }
    }
}
