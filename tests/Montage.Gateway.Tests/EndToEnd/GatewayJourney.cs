using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Montage.Gateway.Tests.Api;
using Montage.Gateway.Tests.Infrastructure;

namespace Montage.Gateway.Tests.EndToEnd;

/// <summary>A job followed to its end: its final JSON and the type of every event seen on the way, in order.</summary>
public sealed record FollowedJob(JsonObject Job, IReadOnlyList<string> EventTypes)
{
    public string State => Job["state"]!.GetValue<string>();
}

/// <summary>What a user of the public API does in the end-to-end tests: submit, follow by SSE, download and probe.</summary>
public static class GatewayJourney
{
    /// <summary>Deadline for a job to end; generous, since the machine may be loaded.</summary>
    public static readonly TimeSpan JobDeadline = TimeSpan.FromMinutes(6);

    /// <summary>Posts a job and returns its id, asserting 202 Accepted.</summary>
    public static async Task<string> SubmitAsync(HttpClient client, string path, JsonObject body)
    {
        using var response = await client.PostAsync(path, ApiTestData.Json(body));
        var json = await ApiTestData.ReadJsonAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, json.ToJsonString());
        return json["id"]!.GetValue<string>();
    }

    /// <summary>Follows the job's SSE stream to its terminal event, reconnecting with Last-Event-ID if it drops.</summary>
    public static async Task<FollowedJob> FollowToEndAsync(HttpClient client, string id)
    {
        using var deadline = new CancellationTokenSource(JobDeadline);
        var types = new List<string>();
        try
        {
            return await FollowAsync(client, id, types, deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            var job = await client.GetStringAsync($"/v1/jobs/{id}");
            Assert.Fail($"Job {id} did not end within {JobDeadline}. Events seen: {string.Join(", ", types)}. Job: {job}");
            throw;
        }
    }

    private static async Task<FollowedJob> FollowAsync(HttpClient client, string id, List<string> types, CancellationToken cancellationToken)
    {
        string? last = null;
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/jobs/{id}/events");
            if (last is not null)
            {
                request.Headers.Add("Last-Event-ID", last);
            }

            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (response.StatusCode == HttpStatusCode.NoContent)
            {
                var job = JsonNode.Parse(await client.GetStringAsync($"/v1/jobs/{id}", cancellationToken))!.AsObject();
                return new FollowedJob(job, types);
            }

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var reader = new SseReader(await response.Content.ReadAsStreamAsync(cancellationToken));
            while (await reader.NextAsync(cancellationToken) is { } next)
            {
                last = next.Id ?? last;
                if (next.Event is { } type)
                {
                    types.Add(type);
                }

                if (next.Event is "job.succeeded" or "job.failed" or "job.canceled")
                {
                    return new FollowedJob(JsonNode.Parse(next.Data)!["job"]!.AsObject(), types);
                }
            }
        }
    }

    /// <summary>Downloads the asset through the gateway and checks with ffprobe that it is an MP4 with a video stream.</summary>
    public static async Task AssertPlayableMp4Async(HttpClient client, string assetId, double? expectedSeconds)
    {
        var path = Path.Combine(Path.GetTempPath(), $"montage-e2e-{Guid.NewGuid():N}.mp4");
        try
        {
            await File.WriteAllBytesAsync(path, await client.GetByteArrayAsync($"/v1/assets/{assetId}/content"));
            var start = new ProcessStartInfo("ffprobe") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in new[] { "-v", "error", "-show_entries", "format=format_name,duration:stream=codec_type,codec_name", "-of", "json", path })
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            var errors = process.StandardError.ReadToEndAsync();
            var output = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, "ffprobe failed: " + await errors);
            var probe = JsonNode.Parse(output)!;
            Assert.Contains("mp4", probe["format"]!["format_name"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Contains(probe["streams"]!.AsArray(), s => s!["codec_type"]!.GetValue<string>() == "video");
            if (expectedSeconds is { } seconds)
            {
                var duration = double.Parse(probe["format"]!["duration"]!.GetValue<string>(), CultureInfo.InvariantCulture);
                Assert.InRange(duration, seconds - 0.5, seconds + 0.5);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }
}
