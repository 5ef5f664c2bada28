using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Montage.ServiceDefaults;
using Montage.ServiceDefaults.Redis;
using StackExchange.Redis;

namespace Microsoft.Extensions.Hosting;

public static class RedisClientExtensions
{
    /// <summary>
    /// A singleton <see cref="IConnectionMultiplexer"/> from <c>ConnectionStrings:&lt;name&gt;</c>
    /// (<c>host:port[,options]</c>), keyed by the name and also the default one, with a PING
    /// health check. It never aborts on a failed connect, so a Redis restart is survived: the
    /// multiplexer reconnects and the service is unready meanwhile.
    /// </summary>
    public static TBuilder AddRedisClient<TBuilder>(this TBuilder builder, string connectionName, Action<ConfigurationOptions>? configureOptions = null)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        ConnectionStringSettings.Register(builder.Services, connectionName, "Redis");

        builder.Services.AddKeyedSingleton<IConnectionMultiplexer>(connectionName, (services, _) =>
        {
            var options = ConfigurationOptions.Parse(ConnectionStringSettings.Get(services, connectionName));
            options.AbortOnConnectFail = false;
            configureOptions?.Invoke(options);
            return ConnectionMultiplexer.Connect(options);
        });
        builder.Services.TryAddSingleton(services => services.GetRequiredKeyedService<IConnectionMultiplexer>(connectionName));

        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            $"redis:{connectionName}",
            services => new RedisHealthCheck(services.GetRequiredKeyedService<IConnectionMultiplexer>(connectionName)),
            failureStatus: HealthStatus.Unhealthy,
            tags: ["ready"],
            timeout: TimeSpan.FromSeconds(5)));
        return builder;
    }
}
