using System.Net;
using System.Text.Json.Nodes;
using Montage.Contracts.Jobs.V1;
using Montage.Gateway.Tests.Infrastructure;

namespace Montage.Gateway.Tests.Api;

/// <summary>Submitting, reading, listing, canceling and retrying jobs through the REST API against the real JobTracker.</summary>
[Collection(GatewayCollection.Name)]
public sealed class JobsFunctionalTests(GatewayFixture fixture)
{
    [Fact]
    public async Task A_video_submit_answers_202_with_the_job_its_links_and_the_estimate()
    {
        using var tenant = await fixture.NewTenantAsync();
        var image = await ApiTestData.UploadPngAsync(tenant.Client);
        var body = ApiTestData.KenBurns(image);
        body["production_id"] = "episode-1";
        using var response = await tenant.Client.PostAsync("/v1/videos", ApiTestData.Json(body));
        var job = await ApiTestData.ReadJsonAsync(response);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = job["id"]!.GetValue<string>();
        Assert.Equal($"/v1/jobs/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("video.animate", job["kind"]!.GetValue<string>());
        Assert.Equal("local/kenburns", job["model"]!.GetValue<string>());
        Assert.Contains(job["state"]!.GetValue<string>(), new[] { "queued", "running", "succeeded" });
        Assert.Equal(image, job["input"]!["image"]!.GetValue<string>());
        Assert.Equal(24, job["input"]!["fps"]!.GetValue<int>());
        Assert.Equal("episode-1", job["production_id"]!.GetValue<string>());
        Assert.Equal("USD", job["cost"]!["currency"]!.GetValue<string>());
        Assert.Equal(job["estimate"]!["amount"]!.GetValue<decimal>(), job["cost"]!["estimated"]!.GetValue<decimal>());
        Assert.Equal($"/v1/jobs/{id}/events", job["links"]!["events"]!.GetValue<string>());

        var stored = await fixture.Jobs.GetAsync(new GetJobRequest { JobId = id, Owner = tenant.Owner });
        Assert.Equal(tenant.Owner, stored.Owner);
        Assert.Equal(image, JsonNode.Parse(stored.InputJson)!["image"]!.GetValue<string>());

        var fetched = JsonNode.Parse(await tenant.Client.GetStringAsync($"/v1/jobs/{id}"))!;
        Assert.Equal(id, fetched["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Every_kind_has_its_endpoint()
    {
        using var tenant = await fixture.NewTenantAsync();
        var image = await ApiTestData.UploadPngAsync(tenant.Client);
        var other = await ApiTestData.UploadPngAsync(tenant.Client);
        var requests = new (string Path, JsonObject Body, string Kind)[]
        {
            ("/v1/images", new JsonObject { ["model"] = "local/storyboard", ["input"] = new JsonObject { ["prompt"] = "a castle" } }, "image.generate"),
            ("/v1/composites", new JsonObject { ["model"] = "local/overlay", ["input"] = new JsonObject { ["prompt"] = "together", ["images"] = new JsonArray(image, other) } }, "image.composite"),
            ("/v1/videos", ApiTestData.KenBurns(image), "video.animate"),
        };
        foreach (var (path, body, kind) in requests)
        {
            using var response = await tenant.Client.PostAsync(path, ApiTestData.Json(body));
            var job = await ApiTestData.ReadJsonAsync(response);
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{path}: {job}");
            Assert.Equal(kind, job["kind"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task Listing_filters_by_state_and_kind_and_pages_with_a_cursor()
    {
        using var tenant = await fixture.NewTenantAsync();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await tenant.Client.PostAsync("/v1/images", ApiTestData.Json(new JsonObject
            {
                ["model"] = "local/storyboard",
                ["input"] = new JsonObject { ["prompt"] = "frame " + i, ["seed"] = i },
                ["no_cache"] = true,
            }));
            ids.Add((await ApiTestData.ReadJsonAsync(response))["id"]!.GetValue<string>());
        }

        using (var cancel = await tenant.Client.DeleteAsync($"/v1/jobs/{ids[0]}"))
        {
            Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        }

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = JsonNode.Parse(await tenant.Client.GetStringAsync("/v1/jobs?kind=image.generate&limit=2" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))))!;
            Assert.True(page["data"]!.AsArray().Count <= 2);
            seen.AddRange(page["data"]!.AsArray().Select(j => j!["id"]!.GetValue<string>()));
            cursor = page["next_cursor"]?.GetValue<string>();
        }
        while (cursor is not null);

        Assert.Equal(ids.AsEnumerable().Reverse(), seen);
        var canceled = JsonNode.Parse(await tenant.Client.GetStringAsync("/v1/jobs?state=canceled"))!["data"]!.AsArray();
        Assert.Equal([ids[0]], canceled.Select(j => j!["id"]!.GetValue<string>()));
        var videos = JsonNode.Parse(await tenant.Client.GetStringAsync("/v1/jobs?kind=video.animate"))!["data"]!.AsArray();
        Assert.Empty(videos);
    }

    [Fact]
    public async Task Cancel_then_retry_runs_the_job_again_under_the_same_id()
    {
        using var tenant = await fixture.NewTenantAsync();
        var image = await ApiTestData.UploadPngAsync(tenant.Client);
        using var submit = await tenant.Client.PostAsync("/v1/videos", ApiTestData.Json(ApiTestData.KenBurns(image, duration: 3)));
        var id = (await ApiTestData.ReadJsonAsync(submit))["id"]!.GetValue<string>();

        using var cancel = await tenant.Client.DeleteAsync($"/v1/jobs/{id}");
        var canceled = await ApiTestData.ReadJsonAsync(cancel);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.True(canceled["state"]!.GetValue<string>() == "canceled" || canceled["cancel_requested"]!.GetValue<bool>(), canceled.ToJsonString());

        await GatewayTestWait.UntilAsync(async () =>
            JsonNode.Parse(await tenant.Client.GetStringAsync($"/v1/jobs/{id}"))!["state"]!.GetValue<string>() is "canceled" or "succeeded", "the job ends");
        var ended = JsonNode.Parse(await tenant.Client.GetStringAsync($"/v1/jobs/{id}"))!;
        if (ended["state"]!.GetValue<string>() != "canceled")
        {
            return; // A worker finished it first: retry is then refused, which another test covers.
        }

        Assert.Equal("canceled", ended["error"]!["code"]!.GetValue<string>());
        using var retry = await tenant.Client.PostAsync($"/v1/jobs/{id}/retry", null);
        var retried = await ApiTestData.ReadJsonAsync(retry);
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        Assert.Equal(id, retried["id"]!.GetValue<string>());
        Assert.Contains(retried["state"]!.GetValue<string>(), new[] { "queued", "running", "succeeded" });
    }

    [Fact]
    public async Task Retrying_a_job_that_has_not_failed_is_a_conflict()
    {
        using var tenant = await fixture.NewTenantAsync();
        using var submit = await tenant.Client.PostAsync("/v1/images", ApiTestData.Json(new JsonObject
        {
            ["model"] = "local/storyboard",
            ["input"] = new JsonObject { ["prompt"] = "conflict" },
            ["no_cache"] = true,
        }));
        var id = (await ApiTestData.ReadJsonAsync(submit))["id"]!.GetValue<string>();
        using var retry = await tenant.Client.PostAsync($"/v1/jobs/{id}/retry", null);
        await ProblemAssert.IsProblemAsync(retry, HttpStatusCode.Conflict, "invalid_state");
    }

    [Fact]
    public async Task Another_owners_job_is_not_found_whatever_the_operation()
    {
        using var alice = await fixture.NewTenantAsync();
        using var mallory = await fixture.NewTenantAsync();
        using var submit = await alice.Client.PostAsync("/v1/images", ApiTestData.Json(new JsonObject
        {
            ["model"] = "local/storyboard",
            ["input"] = new JsonObject { ["prompt"] = "private" },
            ["no_cache"] = true,
        }));
        var id = (await ApiTestData.ReadJsonAsync(submit))["id"]!.GetValue<string>();

        using (var get = await mallory.Client.GetAsync($"/v1/jobs/{id}"))
        {
            await ProblemAssert.IsProblemAsync(get, HttpStatusCode.NotFound, "job_not_found");
        }

        using (var events = await mallory.Client.GetAsync($"/v1/jobs/{id}/events", HttpCompletionOption.ResponseHeadersRead))
        {
            await ProblemAssert.IsProblemAsync(events, HttpStatusCode.NotFound, "job_not_found");
        }

        using (var cancel = await mallory.Client.DeleteAsync($"/v1/jobs/{id}"))
        {
            await ProblemAssert.IsProblemAsync(cancel, HttpStatusCode.NotFound, "job_not_found");
        }

        using (var retry = await mallory.Client.PostAsync($"/v1/jobs/{id}/retry", null))
        {
            await ProblemAssert.IsProblemAsync(retry, HttpStatusCode.NotFound, "job_not_found");
        }

        var listed = JsonNode.Parse(await mallory.Client.GetStringAsync("/v1/jobs"))!["data"]!.AsArray();
        Assert.Empty(listed);

        // Alice's asset is not usable by Mallory either.
        var image = await ApiTestData.UploadPngAsync(alice.Client);
        using var steal = await mallory.Client.PostAsync("/v1/videos", ApiTestData.Json(ApiTestData.KenBurns(image)));
        await ProblemAssert.IsProblemAsync(steal, HttpStatusCode.UnprocessableEntity, "asset_not_found");

        var still = JsonNode.Parse(await alice.Client.GetStringAsync($"/v1/jobs/{id}"))!;
        Assert.NotEqual("canceled", still["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task Validation_reports_every_field_error_at_once()
    {
        using var tenant = await fixture.NewTenantAsync();
        using var response = await tenant.Client.PostAsync("/v1/videos", ApiTestData.Json("""
            {"model": "local/kenburns", "input": {"duration": 99, "fps": 7, "colour": "red"}, "max_attempts": 0}
            """));
        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnprocessableEntity, "validation_failed");
        var errors = problem["errors"]!.AsObject();
        foreach (var field in new[] { "input.image", "input.duration", "input.fps", "input.colour", "max_attempts" })
        {
            Assert.True(errors.ContainsKey(field), $"no error for {field}: {errors}");
        }
    }
}
