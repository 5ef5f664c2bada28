using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using Montage.Contracts.Jobs.V1;
using Montage.Gateway.Tests.Infrastructure;
using Montage.Hosting.Testing;

namespace Montage.Gateway.Tests.Callbacks;

/// <summary>
/// Outbound webhooks through the whole system: jobs submitted through the gateway's REST API with a callback_url,
/// ended by a test acting as the worker (or canceled), and delivered to a real HTTP receiver. Signatures are checked
/// here with an independent HMAC computation from the secret, not with the gateway's signer.
/// </summary>
[Collection(CallbackGatewayCollection.Name)]
public sealed class CallbackFunctionalTests(CallbackGatewayFixture fixture)
{
    private static readonly TimeSpan Generous = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task A_succeeded_job_is_posted_once_with_a_valid_standard_webhooks_signature()
    {
        using var tenant = await fixture.NewTenantAsync();
        var endpoint = fixture.Receiver.NewEndpoint();
        var jobId = await SubmitAsync(tenant, endpoint.Url);

        var leaseId = await LeaseAsync(jobId);
        var completed = new CompleteRequest { JobId = jobId, LeaseId = leaseId, ActualCostMicros = 30_000 };
        completed.Outputs["images"] = new OutputAssets { AssetIds = { "asset-of-" + jobId } };
        await fixture.Jobs.CompleteAsync(completed);

        await endpoint.WaitForAsync(r => r.Count >= 1, Generous);
        var callback = Assert.Single(endpoint.Received);
        AssertSigned(callback);
        using var body = JsonDocument.Parse(callback.Body);
        Assert.Equal("job.succeeded", body.RootElement.GetProperty("type").GetString());
        var data = body.RootElement.GetProperty("data");
        Assert.Equal(jobId, data.GetProperty("id").GetString());
        Assert.Equal("succeeded", data.GetProperty("state").GetString());
        Assert.Equal("asset-of-" + jobId, data.GetProperty("outputs").GetProperty("images")[0].GetString());
        Assert.Equal("application/json", callback.Headers["content-type"].Split(';')[0]);
    }

    [Fact]
    public async Task A_failed_job_is_posted_with_its_error()
    {
        using var tenant = await fixture.NewTenantAsync();
        var endpoint = fixture.Receiver.NewEndpoint();
        var jobId = await SubmitAsync(tenant, endpoint.Url);

        var leaseId = await LeaseAsync(jobId);
        await fixture.Jobs.FailAsync(new FailRequest
        {
            JobId = jobId,
            LeaseId = leaseId,
            Error = new JobError { Code = "content_policy_violation", Message = "refused by the provider", Retryable = false },
        });

        await endpoint.WaitForAsync(r => r.Count >= 1, Generous);
        var callback = Assert.Single(endpoint.Received);
        AssertSigned(callback);
        using var body = JsonDocument.Parse(callback.Body);
        Assert.Equal("job.failed", body.RootElement.GetProperty("type").GetString());
        Assert.Equal("content_policy_violation", body.RootElement.GetProperty("data").GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Server_errors_are_retried_with_the_same_webhook_id_and_body_until_accepted()
    {
        using var tenant = await fixture.NewTenantAsync();
        var endpoint = fixture.Receiver.NewEndpoint(200, 500, 503, 500);
        var jobId = await SubmitAsync(tenant, endpoint.Url);

        await CancelAsync(tenant, jobId);

        await endpoint.WaitForAsync(r => r.Any(c => c.AnsweredStatus == 200), Generous);
        var received = endpoint.Received;
        Assert.Equal([500, 503, 500, 200], received.Select(r => r.AnsweredStatus));
        Assert.Single(received.Select(r => r.Headers["webhook-id"]).Distinct());
        Assert.Single(received.Select(r => r.Body).Distinct());
        Assert.All(received, AssertSigned);
        using var body = JsonDocument.Parse(received[0].Body);
        Assert.Equal("job.canceled", body.RootElement.GetProperty("type").GetString());
        Assert.Equal(jobId, body.RootElement.GetProperty("data").GetProperty("id").GetString());
    }

    [Fact]
    public async Task A_receiver_answering_410_is_not_called_again()
    {
        using var tenant = await fixture.NewTenantAsync();
        var endpoint = fixture.Receiver.NewEndpoint(500, 410);
        var jobId = await SubmitAsync(tenant, endpoint.Url);

        await CancelAsync(tenant, jobId);

        var (state, attempts) = await WaitForSettledDeliveryAsync(jobId);
        Assert.Equal("disabled", state);
        Assert.Equal(1, attempts);
        Assert.Equal([410], endpoint.Received.Select(r => r.AnsweredStatus));
    }

    [Fact]
    public async Task A_gateway_killed_mid_retry_delivers_after_restart_with_the_same_webhook_id()
    {
        using var tenant = await fixture.NewTenantAsync();
        var endpoint = fixture.Receiver.NewEndpoint(thereafter: 500);
        var jobId = await SubmitAsync(tenant, endpoint.Url);
        await CancelAsync(tenant, jobId);
        await endpoint.WaitForAsync(r => r.Count >= 2, Generous);

        await fixture.App.KillAsync(GatewayFixture.GatewayName);
        var attemptsBeforeRestart = endpoint.Received.Count;
        endpoint.AnswerFromNowOn(200);
        await fixture.App.RestartAsync(GatewayFixture.GatewayName);
        await fixture.App.WaitForHealthyAsync(GatewayFixture.GatewayName, TimeSpan.FromMinutes(4));

        await endpoint.WaitForAsync(r => r.Any(c => c.AnsweredStatus == 200), Generous);
        var received = endpoint.Received;
        Assert.True(attemptsBeforeRestart >= 2);
        Assert.Single(received, r => r.AnsweredStatus == 200);
        Assert.Single(received.Select(r => r.Headers["webhook-id"]).Distinct());
        Assert.All(received, AssertSigned);
    }

    [Fact]
    public async Task A_job_whose_terminal_event_came_before_tracking_is_still_called_back()
    {
        // Identical model and input to a job that already succeeded: JobTracking answers the submit with a job
        // that is succeeded from the start (reused outputs), so no terminal event follows the subscription.
        using var tenant = await fixture.NewTenantAsync();
        var prompt = "reused " + Guid.NewGuid().ToString("N");
        var first = await SubmitAsync(tenant, null, prompt, noCache: false);
        var leaseId = await LeaseAsync(first);
        var completed = new CompleteRequest { JobId = first, LeaseId = leaseId };
        completed.Outputs["images"] = new OutputAssets { AssetIds = { "asset-reused" } };
        await fixture.Jobs.CompleteAsync(completed);

        var endpoint = fixture.Receiver.NewEndpoint();
        var second = await SubmitAsync(tenant, endpoint.Url, prompt, noCache: false);

        await endpoint.WaitForAsync(r => r.Count >= 1, Generous);
        using var body = JsonDocument.Parse(Assert.Single(endpoint.Received).Body);
        Assert.Equal(second, body.RootElement.GetProperty("data").GetProperty("id").GetString());
        Assert.Equal("job.succeeded", body.RootElement.GetProperty("type").GetString());
    }

    /// <summary>The Standard Webhooks check a receiver makes, written out here independently of the gateway.</summary>
    private static void AssertSigned(ReceivedCallback callback)
    {
        var id = callback.Headers["webhook-id"];
        var timestamp = long.Parse(callback.Headers["webhook-timestamp"], System.Globalization.CultureInfo.InvariantCulture);
        Assert.StartsWith("msg_", id, StringComparison.Ordinal);
        Assert.InRange(DateTimeOffset.FromUnixTimeSeconds(timestamp), callback.ReceivedAt.AddMinutes(-5), callback.ReceivedAt.AddMinutes(5));
        var key = Convert.FromBase64String(CallbackGatewayFixture.Secret["whsec_".Length..]);
        var expected = "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{id}.{timestamp}.{callback.Body}")));
        Assert.Contains(expected, callback.Headers["webhook-signature"].Split(' '));
    }

    /// <summary>The delivery's state once it is no longer pending, read from the gateway's database.</summary>
    private async Task<(string State, int Attempts)> WaitForSettledDeliveryAsync(string jobId)
    {
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(fixture.GatewayConnectionString);
        var deadline = DateTime.UtcNow + Generous;
        while (DateTime.UtcNow < deadline)
        {
            await using var command = dataSource.CreateCommand("SELECT state, attempts FROM callback_deliveries WHERE job_id = $1");
            command.Parameters.AddWithValue(jobId);
            await using var reader = await command.ExecuteReaderAsync();
            if (await reader.ReadAsync() && reader.GetString(0) != "pending")
            {
                return (reader.GetString(0), reader.GetInt32(1));
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"The callback of job {jobId} stayed pending.");
    }

    private static async Task<string> SubmitAsync(Tenant tenant, Uri? callbackUrl, string? prompt = null, bool noCache = true)
    {
        var body = new JsonObject
        {
            ["model"] = "local/storyboard",
            ["input"] = new JsonObject { ["prompt"] = prompt ?? "callback test " + Guid.NewGuid().ToString("N") },
            ["no_cache"] = noCache,
        };
        if (callbackUrl is not null)
        {
            body["callback_url"] = callbackUrl.AbsoluteUri;
        }

        using var response = await tenant.Client.PostAsJsonAsync("/v1/images", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"POST /v1/images answered {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!["id"]!.GetValue<string>();
    }

    private static async Task CancelAsync(Tenant tenant, string jobId)
    {
        using var response = await tenant.Client.DeleteAsync($"/v1/jobs/{jobId}");
        Assert.True(response.IsSuccessStatusCode, $"DELETE answered {(int)response.StatusCode}");
    }

    /// <summary>Acts as the image worker (none runs in this system) until it holds <paramref name="jobId"/>'s lease.</summary>
    private async Task<string> LeaseAsync(string jobId)
    {
        var deadline = DateTime.UtcNow + Generous;
        while (DateTime.UtcNow < deadline)
        {
            var leased = await fixture.Jobs.LeaseAsync(new LeaseRequest
            {
                WorkerId = "callback-tests",
                Kinds = { "image.generate" },
                MaxJobs = 20,
                LeaseDuration = Duration.FromTimeSpan(TimeSpan.FromMinutes(5)),
                MaxWait = Duration.FromTimeSpan(TimeSpan.FromSeconds(5)),
            });
            if (leased.Jobs.FirstOrDefault(j => j.Job.Id == jobId) is { } mine)
            {
                return mine.LeaseId;
            }
        }

        throw new TimeoutException($"Job {jobId} was never leased.");
    }
}
