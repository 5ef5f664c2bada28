using System.Data.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Montage.ServiceDefaults;
using Montage.ServiceDefaults.Postgres;
using Npgsql;

namespace Microsoft.Extensions.Hosting;

public static class NpgsqlDataSourceExtensions
{
    /// <summary>
    /// A singleton <see cref="NpgsqlDataSource"/> from <c>ConnectionStrings:&lt;name&gt;</c>, keyed
    /// by the name and also the default one (and as <see cref="DbDataSource"/>), with a
    /// <c>SELECT 1</c> health check. Npgsql traces commands on its "Npgsql" ActivitySource and
    /// reports pool metrics on its "Npgsql" Meter, both exported by the service defaults.
    /// </summary>
    public static TBuilder AddNpgsqlDataSource<TBuilder>(this TBuilder builder, string connectionName, Action<NpgsqlDataSourceBuilder>? configureDataSource = null)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        ConnectionStringSettings.Register(builder.Services, connectionName, "PostgreSQL");

        builder.Services.AddKeyedSingleton(connectionName, (services, _) =>
        {
            var dataSource = new NpgsqlDataSourceBuilder(ConnectionStringSettings.Get(services, connectionName));
            if (services.GetService<ILoggerFactory>() is { } loggerFactory)
            {
                dataSource.UseLoggerFactory(loggerFactory);
            }

            configureDataSource?.Invoke(dataSource);
            return dataSource.Build();
        });
        builder.Services.TryAddSingleton(services => services.GetRequiredKeyedService<NpgsqlDataSource>(connectionName));
        builder.Services.TryAddSingleton<DbDataSource>(services => services.GetRequiredKeyedService<NpgsqlDataSource>(connectionName));

        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            $"postgres:{connectionName}",
            services => new NpgsqlHealthCheck(services.GetRequiredKeyedService<NpgsqlDataSource>(connectionName)),
            failureStatus: HealthStatus.Unhealthy,
            tags: ["ready"],
            timeout: TimeSpan.FromSeconds(5)));
        return builder;
    }

    /// <summary>
    /// Applies the SQL migrations embedded in <paramref name="assembly"/> under <paramref name="resourcePrefix"/> at
    /// start-up. Register it before any hosted service that needs the schema: hosted services start in order.
    /// </summary>
    public static TBuilder AddSqlMigrations<TBuilder>(this TBuilder builder, System.Reflection.Assembly assembly, string resourcePrefix)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton(new SqlMigrationSource(assembly, resourcePrefix));
        builder.Services.AddHostedService<SqlMigrationRunner>();
        return builder;
    }
}
