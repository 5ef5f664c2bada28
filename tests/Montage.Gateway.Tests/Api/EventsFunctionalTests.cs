using System.Net;
using System.Text.Json.Nodes;
using Montage.Gateway.Tests.Infrastructure;

namespace Montage.Gateway.Tests.Api;

/// <summary>Server-Sent Events: a job's stream ends at its terminal event, ids are sequences, and Last-Event-ID resumes exactly.</summary>
[Collection(GatewayCollection.Name)]
public sealed class EventsFunctionalTests(GatewayFixture fixture)
{
    private static readonly TimeSpan StreamTimeout = TimeSpan.FromMinutes(2);

    private static async Task<string> SubmitStoryboardAsync(Tenant tenant, string prompt)
    {
        using var response = await tenant.Client.PostAsync("/v1/images", ApiTestData.Json(new JsonObject
        {
            ["model"] = "local/storyboard",
            ["input"] = new JsonObject { ["prompt"] = prompt },
            ["no_cache"] = true,
        }));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await ApiTestData.ReadJsonAsync(response))["id"]!.GetValue<string>();
    }

    private static async Task<List<SseEvent>> ReadToEndAsync(HttpClient client, string path, string? lastEventId = null)
    {
        using var timeout = new CancellationTokenSource(StreamTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new SseReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        var events = new List<SseEvent>();
        while (await reader.NextAsync(timeout.Token) is { } next)
        {
            events.Add(next);
        }

        return events;
    }

    [Fact]
    public async Task A_jobs_stream_replays_its_events_ends_at_the_terminal_one_and_resumes_after_last_event_id()
    {
        using var tenant = await fixture.NewTenantAsync();
        var id = await SubmitStoryboardAsync(tenant, "events");
        using (var cancel = await tenant.Client.DeleteAsync($"/v1/jobs/{id}"))
        {
            Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        }

        await GatewayTestWait.UntilAsync(async () =>
            JsonNode.Parse(await tenant.Client.GetStringAsync($"/v1/jobs/{id}"))!["state"]!.GetValue<string>() is "canceled" or "succeeded" or "failed", "the job ends");

        var all = await ReadToEndAsync(tenant.Client, $"/v1/jobs/{id}/events");
        Assert.True(all.Count >= 2, $"expected queued and a terminal event, got {all.Count}");
        Assert.Equal("job.queued", all[0].Event);
        Assert.Contains(all[^1].Event, new[] { "job.canceled", "job.succeeded", "job.failed" });
        var sequences = all.Select(e => long.Parse(e.Id!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(sequences.Order(), sequences);
        Assert.Equal(sequences.Count, sequences.Distinct().Count());
        foreach (var e in all)
        {
            var data = JsonNode.Parse(e.Data)!;
            Assert.Equal(id, data["job_id"]!.GetValue<string>());
            Assert.Equal(e.Event, data["type"]!.GetValue<string>());
        }

        var resumed = await ReadToEndAsync(tenant.Client, $"/v1/jobs/{id}/events", all[0].Id);
        Assert.Equal(all.Skip(1).Select(e => e.Id), resumed.Select(e => e.Id));

        using var finished = new HttpRequestMessage(HttpMethod.Get, $"/v1/jobs/{id}/events");
        finished.Headers.Add("Last-Event-ID", all[^1].Id);
        using var done = await tenant.Client.SendAsync(finished);
        Assert.Equal(HttpStatusCode.NoContent, done.StatusCode);
    }

    [Fact]
    public async Task The_owner_stream_delivers_live_events_of_the_keys_jobs_only()
    {
        using var tenant = await fixture.NewTenantAsync();
        using var stranger = await fixture.NewTenantAsync();
        using var timeout = new CancellationTokenSource(StreamTimeout);
        // A fresh tenant has no events yet: replaying from 0 leaves no gap between connecting and submitting.
        using var response = await tenant.Client.GetAsync("/v1/events?last_event_id=0", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new SseReader(await response.Content.ReadAsStreamAsync(timeout.Token));

        var strangerJob = await SubmitStoryboardAsync(stranger, "not mine");
        var id = await SubmitStoryboardAsync(tenant, "mine");
        SseEvent? received = null;
        var deadline = DateTime.UtcNow + StreamTimeout;
        while (received is null && DateTime.UtcNow < deadline)
        {
            var next = await reader.NextAsync(timeout.Token);
            Assert.NotNull(next);
            var data = JsonNode.Parse(next.Data)!;
            Assert.NotEqual(strangerJob, data["job_id"]!.GetValue<string>());
            if (data["job_id"]!.GetValue<string>() == id)
            {
                received = next;
            }
        }

        Assert.NotNull(received);
        Assert.False(string.IsNullOrEmpty(received.Id));
    }
}
