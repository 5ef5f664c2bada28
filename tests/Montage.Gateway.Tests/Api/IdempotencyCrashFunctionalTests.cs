using System.Net;
using System.Text.Json.Nodes;
using Montage.Gateway.Tests.Infrastructure;
using Npgsql;

namespace Montage.Gateway.Tests.Api;

/// <summary>
/// The job-creating POSTs write their Idempotency-Key records without waiting for the WAL flush, so a Postgres crash
/// can lose the newest record (or only its answer) after JobTracking committed the job. These tests remove exactly what
/// such a crash removes, in the gateway's real database, and check the guarantees still hold: the same key and body get
/// the same job, a different body is refused with 422, and there is never a second job.
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
    public async Task After_the_record_is_lost_the_same_body_gets_the_same_job_and_a_different_body_422()
    {
        using var tenant = await fixture.NewTenantAsync();
        var key = "crash-" + Guid.NewGuid().ToString("N");
        using var first = await tenant.Client.SendAsync(ApiTestData.Post("/v1/images", Storyboard("lost record"), key));
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        var firstId = (await ApiTestData.ReadJsonAsync(first))["id"]!.GetValue<string>();

        Assert.Equal(1, await ExecuteAsync("DELETE FROM idempotency_records WHERE owner = $1 AND key = $2", tenant.Owner, key));
        using var repeat = await tenant.Client.SendAsync(ApiTestData.Post("/v1/images", Storyboard("lost record"), key));
        Assert.Equal(HttpStatusCode.Accepted, repeat.StatusCode);
        Assert.Equal(firstId, (await ApiTestData.ReadJsonAsync(repeat))["id"]!.GetValue<string>());
        Assert.Equal(first.Headers.Location, repeat.Headers.Location);

        Assert.Equal(1, await ExecuteAsync("DELETE FROM idempotency_records WHERE owner = $1 AND key = $2", tenant.Owner, key));
        using var different = await tenant.Client.SendAsync(ApiTestData.Post("/v1/images", Storyboard("another body"), key));
        await ProblemAssert.IsProblemAsync(different, HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");

        var jobs = JsonNode.Parse(await tenant.Client.GetStringAsync("/v1/jobs"))!["data"]!.AsArray();
        Assert.Equal(firstId, Assert.Single(jobs)!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_claim_whose_answer_was_lost_is_taken_over_once_stale_and_answers_the_same_job()
    {
        using var tenant = await fixture.NewTenantAsync();
        var key = "crash-" + Guid.NewGuid().ToString("N");
        using var first = await tenant.Client.SendAsync(ApiTestData.Post("/v1/images", Storyboard("lost answer"), key));
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        var firstId = (await ApiTestData.ReadJsonAsync(first))["id"]!.GetValue<string>();

        // The claim survived, its answer did not: a repeat is told the request is still in progress...
        Assert.Equal(1, await ExecuteAsync(
            "UPDATE idempotency_records SET status_code = NULL, content_type = NULL, location = NULL, body = NULL, completed_at = NULL WHERE owner = $1 AND key = $2",
            tenant.Owner, key));
        using var inProgress = await tenant.Client.SendAsync(ApiTestData.Post("/v1/images", Storyboard("lost answer"), key));
        await ProblemAssert.IsProblemAsync(inProgress, HttpStatusCode.Conflict, "idempotency_in_progress");

        // ...until the claim is older than any request can take: then the repeat runs again and finds the same job.
        Assert.Equal(1, await ExecuteAsync("UPDATE idempotency_records SET created_at = now() - interval '16 minutes' WHERE owner = $1 AND key = $2", tenant.Owner, key));
        using var repeat = await tenant.Client.SendAsync(ApiTestData.Post("/v1/images", Storyboard("lost answer"), key));
        Assert.Equal(HttpStatusCode.Accepted, repeat.StatusCode);
        Assert.Equal(firstId, (await ApiTestData.ReadJsonAsync(repeat))["id"]!.GetValue<string>());

        // The answer is stored again: the next repeat is a replay.
        using var replay = await tenant.Client.SendAsync(ApiTestData.Post("/v1/images", Storyboard("lost answer"), key));
        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        Assert.Equal("true", replay.Headers.GetValues("Idempotent-Replayed").Single());
        var jobs = JsonNode.Parse(await tenant.Client.GetStringAsync("/v1/jobs"))!["data"]!.AsArray();
        Assert.Single(jobs);
    }

    private async Task<int> ExecuteAsync(string sql, string owner, string key)
    {
        await using var command = _gatewayDb.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = owner });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
        return await command.ExecuteNonQueryAsync();
    }
}
