using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Montage.ServiceDefaults.Tests.Infrastructure;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Montage.ServiceDefaults.Tests.Functional;

/// <summary>
/// Real PostgreSQL and Redis servers and one service wired to them exactly as a Montage
/// service's Program.cs does, shared by the tests of one class.
/// </summary>
public sealed class DataServicesFixture : IAsyncLifetime
{
    public PostgresServer Postgres { get; } = new();

    public RedisServer Redis { get; } = new();

    public CollectingExporter Spans { get; } = new();

    public TestApp App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Task.WhenAll(Postgres.InitializeAsync(), Redis.InitializeAsync());
        App = await TestApp.StartAsync(
            new Dictionary<string, string?>
            {
                ["ConnectionStrings:jobs"] = Postgres.ConnectionString,
                ["ConnectionStrings:redis"] = Redis.ConnectionString,
            },
            builder =>
            {
                builder.AddServiceDefaults();
                builder.AddNpgsqlDataSource("jobs");
                builder.AddRedisClient("redis");
                builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddProcessor(new SimpleActivityExportProcessor(Spans)));
            },
            app =>
            {
                app.MapDefaultEndpoints();
                app.MapGet("/answer", async (NpgsqlDataSource dataSource) =>
                {
                    await using var command = dataSource.CreateCommand("SELECT 40 + 2");
                    return Results.Ok((int)(await command.ExecuteScalarAsync())!);
                });
            });
    }

    public async Task DisposeAsync()
    {
        if (App is not null)
        {
            await App.DisposeAsync();
        }

        await Task.WhenAll(Postgres.DisposeAsync(), Redis.DisposeAsync());
    }
}
