extern alias apphost;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Montage.Gateway.Tests.Api;
using Montage.Gateway.Tests.Infrastructure;
using Montage.Hosting;
using Montage.Hosting.Testing;

namespace Montage.Gateway.Tests.EndToEnd;

/// <summary>
/// The whole AppHost topology (apphost::Program.BuildModel) driven through the gateway only, as a user would: upload a
/// PNG, animate it, follow the job by SSE to success, download the MP4 and check it with ffprobe.
/// </summary>
public sealed class EndToEndSystemTests : IAsyncLifetime
{
    private static readonly TimeSpan JobDeadline = TimeSpan.FromMinutes(6);
    private DistributedApplication _app = null!;

    public async Task InitializeAsync()
    {
        _app = await DistributedApplicationTestingBuilder.CreateAsync(builder =>
        {
            apphost::Program.BuildModel(builder);
        });
        await _app.WaitForAllHealthyAsync(TimeSpan.FromMinutes(5));
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
    }

    private HttpClient DevClient()
    {
        // The AppHost keeps the secret there (run.sh writes it in key form first); the key is "mk_dev_" + its base64url.
        var secret = File.ReadAllText(Path.Combine(_app.DataDirectory, "secrets", "gateway-dev.key")).Trim();
        var key = secret.StartsWith("mk_", StringComparison.Ordinal) ? secret : "mk_dev_" + secret.Replace('+', '-').Replace('/', '_').TrimEnd('=');
        var client = new HttpClient { BaseAddress = _app.GetEndpoint("gateway", "http"), Timeout = TimeSpan.FromMinutes(3) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    [Fact]
    public async Task A_png_becomes_an_mp4_through_the_gateway_with_the_local_engine()
    {
        using var client = DevClient();
        var image = await ApiTestData.UploadPngAsync(client);
        var body = ApiTestData.KenBurns(image, duration: 2);
        body["input"]!["resolution"] = "180p";
        var job = await SubmitAsync(client, "/v1/videos", body);
        var final = await FollowToEndAsync(client, job);
        Assert.True(final["state"]!.GetValue<string>() == "succeeded", final.ToJsonString());
        var video = final["outputs"]!["video"]!.GetValue<string>();
        await AssertPlayableMp4Async(client, video, expectedSeconds: 2);
    }

    private static async Task<string> SubmitAsync(HttpClient client, string path, JsonObject body)
    {
        using var response = await client.PostAsync(path, ApiTestData.Json(body));
        var json = await ApiTestData.ReadJsonAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, json.ToJsonString());
        return json["id"]!.GetValue<string>();
    }

    /// <summary>Follows the job's SSE stream to its terminal event, reconnecting with Last-Event-ID if it drops.</summary>
    private static async Task<JsonObject> FollowToEndAsync(HttpClient client, string id)
    {
        using var deadline = new CancellationTokenSource(JobDeadline);
        string? last = null;
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/jobs/{id}/events");
            if (last is not null)
            {
                request.Headers.Add("Last-Event-ID", last);
            }

            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            if (response.StatusCode == HttpStatusCode.NoContent)
            {
                return JsonNode.Parse(await client.GetStringAsync($"/v1/jobs/{id}", deadline.Token))!.AsObject();
            }

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var reader = new SseReader(await response.Content.ReadAsStreamAsync(deadline.Token));
            while (await reader.NextAsync(deadline.Token) is { } next)
            {
                last = next.Id ?? last;
                if (next.Event is "job.succeeded" or "job.failed" or "job.canceled")
                {
                    return JsonNode.Parse(next.Data)!["job"]!.AsObject();
                }
            }
        }
    }

    private static async Task AssertPlayableMp4Async(HttpClient client, string assetId, double? expectedSeconds)
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
            var output = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, "ffprobe failed: " + await process.StandardError.ReadToEndAsync());
            var probe = JsonNode.Parse(output)!;
            Assert.Contains("mp4", probe["format"]!["format_name"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Contains(probe["streams"]!.AsArray(), s => s!["codec_type"]!.GetValue<string>() == "video");
            if (expectedSeconds is { } seconds)
            {
                var duration = double.Parse(probe["format"]!["duration"]!.GetValue<string>(), global::System.Globalization.CultureInfo.InvariantCulture);
                Assert.InRange(duration, seconds - 0.5, seconds + 0.5);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }
}
