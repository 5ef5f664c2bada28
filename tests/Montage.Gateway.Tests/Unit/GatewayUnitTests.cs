using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using Montage.Contracts.Jobs.V1;
using Montage.Gateway.Auth;
using Montage.Gateway.Errors;
using Montage.Gateway.Events;
using Montage.Gateway.Jobs;
using Montage.Gateway.Json;
using Montage.Gateway.Safety;
using Montage.Gateway.Webhooks;
using Montage.Grpc;

namespace Montage.Gateway.Tests.Unit;

public sealed class GatewayUnitTests
{
    [Fact]
    public void Keys_carry_256_random_bits_and_are_stored_as_sha256()
    {
        var a = ApiKeys.Generate();
        var b = ApiKeys.Generate();
        Assert.NotEqual(a, b);
        Assert.StartsWith("mk_", a, StringComparison.Ordinal);
        Assert.Equal(3 + 43, a.Length);
        Assert.True(ApiKeys.LooksValid(a));
        Assert.False(ApiKeys.LooksValid("sk_" + a[3..]));
        Assert.Equal(32, ApiKeys.Hash(a).Length);
        Assert.Equal(ApiKeys.Hash(a), ApiKeys.Hash(a));
        Assert.DoesNotContain(a[10..], ApiKeys.Label(a), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(StatusCode.InvalidArgument, 400)]
    [InlineData(StatusCode.NotFound, 404)]
    [InlineData(StatusCode.AlreadyExists, 409)]
    [InlineData(StatusCode.FailedPrecondition, 409)]
    [InlineData(StatusCode.ResourceExhausted, 429)]
    [InlineData(StatusCode.Unavailable, 503)]
    [InlineData(StatusCode.DeadlineExceeded, 504)]
    [InlineData(StatusCode.Internal, 500)]
    [InlineData(StatusCode.Unknown, 500)]
    public void Grpc_statuses_map_to_http_problems(StatusCode code, int status)
    {
        var problem = RpcProblemMapping.ToProblem(new RpcException(code, "secret detail at Foo.Bar()"));
        Assert.Equal(status, problem.Status);
        Assert.False(string.IsNullOrEmpty(problem.Code));
        if (status >= 500)
        {
            Assert.Null(problem.Detail);
        }
    }

    [Fact]
    public void Job_json_names_outputs_shows_usd_and_lowercase_states()
    {
        var job = new Job
        {
            Id = "j1",
            Kind = "video.animate",
            ModelId = "local/kenburns",
            InputJson = """{"image":"a1"}""",
            State = JobState.Succeeded,
            Progress = 1,
            EstimatedCostMicros = 1_250_000,
            ActualCostMicros = 0,
            CreatedAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero)),
        };
        job.Outputs["video"] = new OutputAssets { AssetIds = { "v1" } };
        job.Outputs["images"] = new OutputAssets { AssetIds = { "i1" } };
        var json = JobJson.ToJson(job);
        Assert.Equal("succeeded", json["state"]!.GetValue<string>());
        Assert.Equal("v1", json["outputs"]!["video"]!.GetValue<string>());
        Assert.Equal(["i1"], json["outputs"]!["images"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(1.25m, json["cost"]!["estimated"]!.GetValue<decimal>());
        Assert.Equal(0m, json["cost"]!["actual"]!.GetValue<decimal>());
        Assert.Equal("2026-01-02T03:04:05.000+00:00", json["created_at"]!.GetValue<string>());
        Assert.Null(json["error"]);
    }

    [Fact]
    public void Sse_frames_carry_the_sequence_as_id_and_the_type_as_event()
    {
        var frame = EventEndpoints.Format(new JobEvent { Sequence = 42, JobId = "j", Type = "job.progress", Progress = 0.5 });
        Assert.StartsWith("id: 42\nevent: job.progress\ndata: {", frame, StringComparison.Ordinal);
        Assert.EndsWith("}\n\n", frame, StringComparison.Ordinal);
        var data = JsonNode.Parse(frame.Split('\n')[2]["data: ".Length..])!;
        Assert.Equal(0.5, data["progress"]!.GetValue<double>());
    }

    [Theory]
    [InlineData(3, 3, 20)]
    [InlineData(60, 60, 1)]
    [InlineData(1200, 1200, 1)]
    public void Rate_limit_buckets_allow_a_minutes_burst_and_refill_over_the_minute(int perMinute, int burst, int periodSeconds)
    {
        var bucket = RateLimiting.Bucket(perMinute);
        Assert.Equal(burst, bucket.TokenLimit);
        Assert.Equal(TimeSpan.FromSeconds(periodSeconds), bucket.ReplenishmentPeriod);
        Assert.Equal(perMinute, bucket.TokensPerPeriod * (int)(TimeSpan.FromMinutes(1) / bucket.ReplenishmentPeriod));
    }

    [Fact]
    public void Unknown_members_are_refused_by_name()
    {
        var problem = Assert.Throws<ApiProblemException>(() => GatewayJson.Deserialize<CreateJobRequest>("""{"model":"m","input":{},"colour":1}"""u8));
        Assert.Equal("unknown_field", problem.Code);
        Assert.True(problem.Errors!.ContainsKey("colour"));
        Assert.Equal("malformed_json", Assert.Throws<ApiProblemException>(() => GatewayJson.Deserialize<CreateJobRequest>("{"u8)).Code);
        Assert.Equal("malformed_json", Assert.Throws<ApiProblemException>(() => GatewayJson.Deserialize<CreateJobRequest>(""u8)).Code);
    }

    [Fact]
    public void Webhook_digests_cover_signature_headers_and_body_only()
    {
        var headers = new Dictionary<string, string> { ["X-Fal-Webhook-Signature"] = "ab", ["X-Fal-Webhook-Timestamp"] = "1", ["User-Agent"] = "x" };
        var same = new Dictionary<string, string>(headers) { ["User-Agent"] = "y" };
        var resigned = new Dictionary<string, string>(headers) { ["X-Fal-Webhook-Signature"] = "cd" };
        var body = "{}"u8.ToArray();
        Assert.Equal(WebhookReceipts.Digest("fal", headers, body), WebhookReceipts.Digest("fal", same, body));
        Assert.NotEqual(WebhookReceipts.Digest("fal", headers, body), WebhookReceipts.Digest("fal", resigned, body));
        Assert.NotEqual(WebhookReceipts.Digest("fal", headers, body), WebhookReceipts.Digest("kie", headers, body));
        Assert.NotEqual(WebhookReceipts.Digest("fal", headers, body), WebhookReceipts.Digest("fal", headers, "{ }"u8.ToArray()));
    }
}
