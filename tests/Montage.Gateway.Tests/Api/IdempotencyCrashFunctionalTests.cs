using System.Net;
using System.Text.Json.Nodes;
using Montage.Gateway.Tests.Infrastructure;
using Npgsql;

namespace Montage.Gateway.Tests.Api;

/// <summary>
/// The job-creating POSTs keep no Idempotency-Key record of their own when JobTracking's durable (owner, key) guard
/// recognizes a repeat: nothing the gateway or its database could lose in a crash matters. These tests check the
/// guarantees through the gateway with its real database: the same key and body get the same job (with
/// Idempotent-Replayed), a different body is refused with 422, never a second job; and a body that imports media (which
/// JobTracking could not recognize on a repeat) is recorded by the gateway before it is submitted.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class IdempotencyCrashFunctionalTests(GatewayFixture fixture) : IAsyncLifetime
{
    private NpgsqlDataSource _gatewayDb = null!;

    public Task InitializeAsync()
    {
        _gatewayDb = NpgsqlDataSource.Create(fixture.GatewayConnectionString);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _gatewayDb.DisposeAsync();

    private static JsonObject Storyboard(string prompt) => new()
    {
        ["model"] = "local/storyboard",
        ["input"] = new JsonObject { ["prompt"] = prompt },
        ["no_cache"] = true,
    };

    [Fact]
    public async Task A_job_creating_post_keeps_no_record_that_a_crash_could_lose_and_a_repeat_is_answered_from_the_job()
    {
        using var tenant = await fixture.NewTenantAsync();
        var key = "crash-" + Guid.NewGuid().ToString("N");
        using var first = await tenant.Client.SendAsync(ApiTestData.Post("/v1/images", Storyboard("no record"), key));
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        var firstId = (await ApiTestData.ReadJsonAsync(first))["id"]!.GetValue<string>();
        Assert.Equal(0, await CountRecordsAsync(tenant.Owner, key));

        using var repeat = await tenant.Client.SendAsync(ApiTestData.Post("/v1/images", Storyboard("no record"), key));
        Assert.Equal(HttpStatusCode.Accepted, repeat.StatusCode);
        Assert.Equal(firstId, (await ApiTestData.ReadJsonAsync(repeat))["id"]!.GetValue<string>());
        Assert.Equal(first.Headers.Location, repeat.Headers.Location);
        Assert.Equal("true", repeat.Headers.GetValues("Idempotent-Replayed").Single());

        using var different = await tenant.Client.SendAsync(ApiTestData.Post("/v1/images", Storyboard("another body"), key));
        await ProblemAssert.IsProblemAsync(different, HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");

        var jobs = JsonNode.Parse(await tenant.Client.GetStringAsync("/v1/jobs"))!["data"]!.AsArray();
        Assert.Equal(firstId, Assert.Single(jobs)!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_body_that_imports_media_is_recorded_before_it_is_submitted_and_replayed()
    {
        using var tenant = await fixture.NewTenantAsync();
        var key = "crash-" + Guid.NewGuid().ToString("N");
        var dataUri = "data:image/png;base64," + Convert.ToBase64String(await TestPng.CreateAsync());
        using var first = await tenant.Client.SendAsync(ApiTestData.Post("/v1/videos", ApiTestData.KenBurns(dataUri), key));
        var firstBody = await first.Content.ReadAsStringAsync();
        Assert.True(first.StatusCode == HttpStatusCode.Accepted, $"answered {(int)first.StatusCode}: {firstBody}");
        Assert.Equal(1, await CountRecordsAsync(tenant.Owner, key));

        using var repeat = await tenant.Client.SendAsync(ApiTestData.Post("/v1/videos", ApiTestData.KenBurns(dataUri), key));
        Assert.Equal(HttpStatusCode.Accepted, repeat.StatusCode);
        Assert.Equal(firstBody, await repeat.Content.ReadAsStringAsync());
        Assert.Equal("true", repeat.Headers.GetValues("Idempotent-Replayed").Single());
        var jobs = JsonNode.Parse(await tenant.Client.GetStringAsync("/v1/jobs"))!["data"]!.AsArray();
        Assert.Single(jobs);
    }

    /// <summary>Answered records of the key in the gateway's database.</summary>
    private async Task<long> CountRecordsAsync(string owner, string key)
    {
        await using var command = _gatewayDb.CreateCommand("SELECT count(*) FROM idempotency_records WHERE owner = $1 AND key = $2 AND status_code IS NOT NULL");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = owner });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
