using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Montage.ServiceDefaults.Redis;
using Npgsql;
using StackExchange.Redis;

namespace Montage.ServiceDefaults.Tests.Functional;

/// <summary>AddNpgsqlDataSource, AddRedisClient and the health endpoints against real servers.</summary>
public sealed class DataServicesFunctionalTests(DataServicesFixture fixture) : IClassFixture<DataServicesFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private HttpClient Client() => new() { BaseAddress = fixture.App.Address };

    [Fact]
    public async Task Ready_and_alive_when_postgres_and_redis_answer()
    {
        using var client = Client();

        using var health = await client.GetAsync("/health");
        using var alive = await client.GetAsync("/alive");

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("Healthy", await health.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
    }

    [Fact]
    public async Task Redis_outage_makes_the_service_unready_but_still_alive_until_redis_is_back()
    {
        using var client = Client();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);

        fixture.Redis.Stop();
        try
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, await WaitForHealthAsync(client, HttpStatusCode.ServiceUnavailable));
            using var alive = await client.GetAsync("/alive");
            Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        }
        finally
        {
            await fixture.Redis.StartAsync();
        }

        // abortConnect=false: the same multiplexer reconnects on its own.
        Assert.Equal(HttpStatusCode.OK, await WaitForHealthAsync(client, HttpStatusCode.OK));
        var redis = fixture.App.Services.GetRequiredService<IConnectionMultiplexer>();
        Assert.True(redis.IsConnected);
    }

    [Fact]
    public async Task Queries_are_traced_on_the_npgsql_source_but_health_check_queries_are_not()
    {
        using var client = Client();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
        var npgsqlSpansBefore = NpgsqlSpans();

        Assert.Equal("42", await client.GetStringAsync("/answer"));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);

        var newSpans = NpgsqlSpans().Except(npgsqlSpansBefore).ToList();
        var query = Assert.Single(newSpans);
        Assert.Contains("SELECT 40 + 2", string.Join(' ', query.TagObjects.Select(tag => tag.Value)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Data_source_is_registered_by_name_and_as_the_default()
    {
        var services = fixture.App.Services;
        var keyed = services.GetRequiredKeyedService<NpgsqlDataSource>("jobs");

        Assert.Same(keyed, services.GetRequiredService<NpgsqlDataSource>());
        Assert.Same(keyed, services.GetRequiredService<System.Data.Common.DbDataSource>());
        await using var command = keyed.CreateCommand("SELECT current_setting('server_version_num')::int");
        Assert.True((int)(await command.ExecuteScalarAsync())! >= 150000);
    }

    [Fact]
    public async Task Redis_client_publishes_and_subscribes()
    {
        var redis = fixture.App.Services.GetRequiredService<IConnectionMultiplexer>();
        Assert.Same(redis, fixture.App.Services.GetRequiredKeyedService<IConnectionMultiplexer>("redis"));
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscriber = redis.GetSubscriber();
        var channel = $"montage-test-{Guid.NewGuid():N}";
        await subscriber.SubscribeAsync(channel, (_, message) => received.TrySetResult(message!));

        await subscriber.PublishAsync(channel, "job.queued");

        Assert.Equal("job.queued", await received.Task.WaitAsync(Patience));
        await subscriber.UnsubscribeAsync(channel);
    }

    [Fact]
    public async Task Traced_publish_records_a_producer_span_with_the_receiver_count()
    {
        var redis = fixture.App.Services.GetRequiredService<IConnectionMultiplexer>();
        var subscriber = redis.GetSubscriber();
        var channel = $"montage-traced-{Guid.NewGuid():N}";
        await subscriber.SubscribeAsync(channel, (_, _) => { });

        var receivers = await subscriber.PublishTracedAsync(channel, "job.succeeded");

        Assert.Equal(1, receivers);
        var span = Assert.Single(fixture.Spans.Spans, span => span.DisplayName == $"PUBLISH {channel}");
        Assert.Equal(RedisTelemetry.ActivitySourceName, span.Source.Name);
        Assert.Equal(System.Diagnostics.ActivityKind.Producer, span.Kind);
        Assert.Equal(1L, span.GetTagItem("montage.redis.receivers"));
        await subscriber.UnsubscribeAsync(channel);
    }

    private List<System.Diagnostics.Activity> NpgsqlSpans() =>
        [.. fixture.Spans.Spans.Where(span => span.Source.Name == "Npgsql")];

    /// <summary>Polls /health until it reports the wanted status, or returns the last one seen.</summary>
    private static async Task<HttpStatusCode> WaitForHealthAsync(HttpClient client, HttpStatusCode wanted)
    {
        var deadline = DateTime.UtcNow + Patience;
        HttpStatusCode last;
        do
        {
            using var response = await client.GetAsync("/health");
            last = response.StatusCode;
            if (last == wanted)
            {
                return last;
            }

            await Task.Delay(200);
        }
        while (DateTime.UtcNow < deadline);

        return last;
    }
}
