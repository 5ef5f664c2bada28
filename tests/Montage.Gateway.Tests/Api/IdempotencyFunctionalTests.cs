using System.Net;
using System.Text.Json.Nodes;
using Montage.Gateway.Tests.Infrastructure;

namespace Montage.Gateway.Tests.Api;

/// <summary>Idempotency-Key: a repeat gets the first answer, a different body with the key is refused, and keys are per owner.</summary>
[Collection(GatewayCollection.Name)]
public sealed class IdempotencyFunctionalTests(GatewayFixture fixture)
{
    private static JsonObject Storyboard(string prompt) => new()
    {
        ["model"] = "local/storyboard",
        ["input"] = new JsonObject { ["prompt"] = prompt },
        ["no_cache"] = true,
    };

    [Fact]
    public async Task The_same_key_and_body_get_the_same_job_and_answer()
    {
        using var tenant = await fixture.NewTenantAsync();
        var key = "idem-" + Guid.NewGuid().ToString("N");
        using var first = await tenant.Client.SendAsync(ApiTestData.Post("/v1/images", Storyboard("same"), key));
        var firstBody = await first.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));

        using var second = await tenant.Client.SendAsync(ApiTestData.Post("/v1/images", Storyboard("same"), key));
        var secondBody = await second.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        Assert.Equal(firstBody, secondBody);
        Assert.Equal(first.Headers.Location, second.Headers.Location);
        Assert.Equal("true", second.Headers.GetValues("Idempotent-Replayed").Single());

        var jobs = JsonNode.Parse(await tenant.Client.GetStringAsync("/v1/jobs"))!["data"]!.AsArray();
        Assert.Single(jobs);
    }

    [Fact]
    public async Task The_same_key_with_a_different_body_is_422()
    {
        using var tenant = await fixture.NewTenantAsync();
        var key = "idem-" + Guid.NewGuid().ToString("N");
        using var first = await tenant.Client.SendAsync(ApiTestData.Post("/v1/images", Storyboard("one"), key));
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        using var second = await tenant.Client.SendAsync(ApiTestData.Post("/v1/images", Storyboard("two"), key));
        await ProblemAssert.IsProblemAsync(second, HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");
        var estimate = new JsonObject { ["model"] = "local/storyboard", ["input"] = new JsonObject { ["prompt"] = "one" } };
        using var otherEndpoint = await tenant.Client.SendAsync(ApiTestData.Post("/v1/estimates", estimate, key));
        Assert.Equal(HttpStatusCode.OK, otherEndpoint.StatusCode);
    }

    [Fact]
    public async Task A_refused_request_is_answered_the_same_way_on_repeat()
    {
        using var tenant = await fixture.NewTenantAsync();
        var key = "idem-" + Guid.NewGuid().ToString("N");
        var bad = new JsonObject { ["model"] = "local/storyboard", ["input"] = new JsonObject() };
        using var first = await tenant.Client.SendAsync(ApiTestData.Post("/v1/images", bad, key));
        var firstProblem = await ProblemAssert.IsProblemAsync(first, HttpStatusCode.UnprocessableEntity, "validation_failed");
        using var second = await tenant.Client.SendAsync(ApiTestData.Post("/v1/images", bad, key));
        var secondProblem = await ProblemAssert.IsProblemAsync(second, HttpStatusCode.UnprocessableEntity, "validation_failed");
        Assert.Equal(firstProblem["errors"]!.ToJsonString(), secondProblem["errors"]!.ToJsonString());
        Assert.True(second.Headers.Contains("Idempotent-Replayed"));
    }

    [Fact]
    public async Task Keys_are_scoped_to_their_owner()
    {
        using var alice = await fixture.NewTenantAsync();
        using var bob = await fixture.NewTenantAsync();
        var key = "shared-" + Guid.NewGuid().ToString("N");
        using var a = await alice.Client.SendAsync(ApiTestData.Post("/v1/images", Storyboard("alice"), key));
        using var b = await bob.Client.SendAsync(ApiTestData.Post("/v1/images", Storyboard("bob"), key));
        Assert.Equal(HttpStatusCode.Accepted, a.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, b.StatusCode);
        Assert.NotEqual(a.Headers.Location, b.Headers.Location);
    }

    [Fact]
    public async Task Concurrent_repeats_create_one_job()
    {
        using var tenant = await fixture.NewTenantAsync();
        var key = "idem-" + Guid.NewGuid().ToString("N");
        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => tenant.Client.SendAsync(ApiTestData.Post("/v1/images", Storyboard("race"), key))));
        try
        {
            // A repeat that arrives while the first is in flight is told so (409); every other one gets the job.
            Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.Accepted, HttpStatusCode.Conflict }));
            var locations = responses.Where(r => r.StatusCode == HttpStatusCode.Accepted).Select(r => r.Headers.Location).Distinct().ToList();
            Assert.Single(locations);
            var jobs = JsonNode.Parse(await tenant.Client.GetStringAsync("/v1/jobs"))!["data"]!.AsArray();
            Assert.Single(jobs);
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }
    }
}
