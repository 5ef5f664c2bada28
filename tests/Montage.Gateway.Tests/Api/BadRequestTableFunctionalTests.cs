using System.Net;
using System.Text;
using Montage.Gateway.Tests.Infrastructure;

namespace Montage.Gateway.Tests.Api;

/// <summary>
/// A table of bad requests: every one is answered 4xx with problem details and a stable code, never a 500 and never a
/// stack trace. Media references point at a real PNG asset of the tenant where the case needs a valid one.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class BadRequestTableFunctionalTests(GatewayFixture fixture) : IAsyncLifetime
{
    private const string Png = "{png}";
    private const string Guid0 = "0f8fad5b-d9cb-469f-a165-70867728950e";
    private Tenant _tenant = null!;
    private string _png = null!;

    public static TheoryData<string, string, string, string?, int, string?> Cases()
    {
        var kb = """{"model": "local/kenburns", "input": {"image": "{png}", "prompt": "p", "duration": 2}""";
        var data = new TheoryData<string, string, string, string?, int, string?>
        {
            // name, method, path, body (null: none), status, code
            { "no content type", "POST", "/v1/videos", "", 415, "unsupported_media_type" },
            { "empty json body", "POST", "/v1/videos", "json:", 400, "malformed_json" },
            { "truncated json", "POST", "/v1/videos", "json:{", 400, "malformed_json" },
            { "json array", "POST", "/v1/videos", "json:[]", 400, "malformed_json" },
            { "json null", "POST", "/v1/videos", "json:null", 400, "malformed_json" },
            { "json string", "POST", "/v1/videos", "json:\"video\"", 400, "malformed_json" },
            { "trailing comma", "POST", "/v1/videos", "json:" + kb + ",}", 400, "malformed_json" },
            { "unknown top-level field", "POST", "/v1/videos", "json:" + kb + ", \"colour\": \"red\"}", 400, "unknown_field" },
            { "model is a number", "POST", "/v1/videos", "json:{\"model\": 5, \"input\": {}}", 400, "malformed_json" },
            { "input is an array", "POST", "/v1/videos", "json:{\"model\": \"local/kenburns\", \"input\": []}", 400, "malformed_json" },
            { "no_cache is a string", "POST", "/v1/videos", "json:" + kb + ", \"no_cache\": \"yes\"}", 400, "malformed_json" },
            { "missing model", "POST", "/v1/videos", "json:{\"input\": {}}", 422, "validation_failed" },
            { "empty model", "POST", "/v1/videos", "json:{\"model\": \"\", \"input\": {}}", 422, "validation_failed" },
            { "unknown model", "POST", "/v1/videos", "json:{\"model\": \"acme/teleporter\", \"input\": {}}", 422, "unknown_model" },
            { "image model sent to videos", "POST", "/v1/videos", "json:{\"model\": \"local/storyboard\", \"input\": {\"prompt\": \"p\"}}", 422, "model_kind_mismatch" },
            { "video model sent to images", "POST", "/v1/images", "json:" + kb + "}", 422, "model_kind_mismatch" },
            { "missing input", "POST", "/v1/videos", "json:{\"model\": \"local/kenburns\"}", 422, "validation_failed" },
            { "missing image", "POST", "/v1/videos", "json:{\"model\": \"local/kenburns\", \"input\": {\"prompt\": \"p\"}}", 422, "validation_failed" },
            { "duration out of range", "POST", "/v1/videos", """json:{"model": "local/kenburns", "input": {"image": "{png}", "duration": 999}}""", 422, "validation_failed" },
            { "negative duration", "POST", "/v1/videos", """json:{"model": "local/kenburns", "input": {"image": "{png}", "duration": -1}}""", 422, "validation_failed" },
            { "duration as text", "POST", "/v1/videos", """json:{"model": "local/kenburns", "input": {"image": "{png}", "duration": "long"}}""", 422, "validation_failed" },
            { "unknown input field", "POST", "/v1/videos", """json:{"model": "local/kenburns", "input": {"image": "{png}", "image_url": "x"}}""", 422, "validation_failed" },
            { "image is a number", "POST", "/v1/videos", "json:{\"model\": \"local/kenburns\", \"input\": {\"image\": 7}}", 422, "validation_failed" },
            { "image is an ftp url", "POST", "/v1/videos", "json:{\"model\": \"local/kenburns\", \"input\": {\"image\": \"ftp://example.com/a.png\"}}", 422, "validation_failed" },
            { "image asset does not exist", "POST", "/v1/videos", "json:{\"model\": \"local/kenburns\", \"input\": {\"image\": \"ast_0123456789abcdef0123456789abcdef\"}}", 422, "asset_not_found" },
            { "image asset id malformed", "POST", "/v1/videos", "json:{\"model\": \"local/kenburns\", \"input\": {\"image\": \"asset_doesnotexist\"}}", 422, "invalid_media_reference" },
            { "fps out of range", "POST", "/v1/videos", """json:{"model": "local/kenburns", "input": {"image": "{png}", "fps": 1000}}""", 422, "validation_failed" },
            { "bad resolution", "POST", "/v1/videos", """json:{"model": "local/kenburns", "input": {"image": "{png}", "resolution": "8k-ultra"}}""", 422, "validation_failed" },
            { "kling duration not in enum", "POST", "/v1/videos", """json:{"model": "fal-ai/kling-video/v2.1/pro/image-to-video", "input": {"image": "{png}", "prompt": "p", "duration": 7}}""", 422, "validation_failed" },
            { "callback url not a url", "POST", "/v1/videos", "json:" + kb + ", \"callback_url\": \"not a url\"}", 422, "validation_failed" },
            { "callback url ftp", "POST", "/v1/videos", "json:" + kb + ", \"callback_url\": \"ftp://example.com/hook\"}", 422, "validation_failed" },
            { "empty production id", "POST", "/v1/videos", "json:" + kb + ", \"production_id\": \"\"}", 422, "validation_failed" },
            { "max attempts zero", "POST", "/v1/videos", "json:" + kb + ", \"max_attempts\": 0}", 422, "validation_failed" },
            { "max attempts eleven", "POST", "/v1/videos", "json:" + kb + ", \"max_attempts\": 11}", 422, "validation_failed" },
            { "storyboard without prompt", "POST", "/v1/images", "json:{\"model\": \"local/storyboard\", \"input\": {}}", 422, "validation_failed" },
            { "num_images zero", "POST", "/v1/images", "json:{\"model\": \"local/storyboard\", \"input\": {\"prompt\": \"p\", \"num_images\": 0}}", 422, "validation_failed" },
            { "num_images huge", "POST", "/v1/images", "json:{\"model\": \"local/storyboard\", \"input\": {\"prompt\": \"p\", \"num_images\": 1000}}", 422, "validation_failed" },
            { "image_size unknown", "POST", "/v1/images", "json:{\"model\": \"local/storyboard\", \"input\": {\"prompt\": \"p\", \"image_size\": \"gigantic\"}}", 422, "validation_failed" },
            { "avatar without audio", "POST", "/v1/avatars", """json:{"model": "local/avatar", "input": {"image": "{png}"}}""", 422, "validation_failed" },
            { "avatar audio is an image", "POST", "/v1/avatars", """json:{"model": "local/avatar", "input": {"image": "{png}", "audio": "{png}"}}""", 422, "media_kind_mismatch" },
            { "assembly without clips", "POST", "/v1/assemblies", "json:{\"model\": \"local/assemble\", \"input\": {}}", 422, "validation_failed" },
            { "assembly clips not a list", "POST", "/v1/assemblies", "json:{\"model\": \"local/assemble\", \"input\": {\"clips\": \"a\"}}", 422, "validation_failed" },
            { "composite without images", "POST", "/v1/composites", "json:{\"model\": \"local/overlay\", \"input\": {\"prompt\": \"p\"}}", 422, "validation_failed" },
            { "text/plain body", "POST", "/v1/images", "text:{\"model\": \"local/storyboard\"}", 415, "unsupported_media_type" },
            { "oversize body", "POST", "/v1/images", "big:", 413, "payload_too_large" },
            { "job id not a guid", "GET", "/v1/jobs/not-a-job", null, 404, "job_not_found" },
            { "job id unknown", "GET", "/v1/jobs/" + Guid0, null, 404, "job_not_found" },
            { "cancel unknown job", "DELETE", "/v1/jobs/" + Guid0, null, 404, "job_not_found" },
            { "retry unknown job", "POST", "/v1/jobs/" + Guid0 + "/retry", null, 404, "job_not_found" },
            { "retry body unknown field", "POST", "/v1/jobs/" + Guid0 + "/retry", "json:{\"everything\": true}", 400, "unknown_field" },
            { "events of unknown job", "GET", "/v1/jobs/" + Guid0 + "/events", null, 404, "job_not_found" },
            { "list with bad state", "GET", "/v1/jobs?state=sleeping", null, 400, "invalid_query" },
            { "list with limit zero", "GET", "/v1/jobs?limit=0", null, 400, "invalid_query" },
            { "list with limit text", "GET", "/v1/jobs?limit=many", null, 400, "invalid_query" },
            { "list with limit too big", "GET", "/v1/jobs?limit=501", null, 400, "invalid_query" },
            { "list with unknown parameter", "GET", "/v1/jobs?colour=red", null, 400, "invalid_query" },
            { "list with forged cursor", "GET", "/v1/jobs?cursor=forged-cursor", null, 400, "invalid_cursor" },
            { "unknown model id", "GET", "/v1/models/acme/teleporter", null, 404, "model_not_found" },
            { "models with unknown parameter", "GET", "/v1/models?colour=red", null, 400, "invalid_query" },
            { "models available not boolean", "GET", "/v1/models?available=maybe", null, 400, "invalid_query" },
            { "estimate without model", "POST", "/v1/estimates", "json:{}", 422, "validation_failed" },
            { "estimate unknown model", "POST", "/v1/estimates", "json:{\"model\": \"acme/teleporter\"}", 422, "unknown_model" },
            { "estimate invalid input", "POST", "/v1/estimates", "json:{\"model\": \"local/storyboard\", \"input\": {\"num_images\": 0}}", 422, "validation_failed" },
            { "estimate unknown field", "POST", "/v1/estimates", "json:{\"model\": \"local/storyboard\", \"price\": 1}", 400, "unknown_field" },
            { "estimate malformed", "POST", "/v1/estimates", "json:{model}", 400, "malformed_json" },
            { "estimate negative audio", "POST", "/v1/estimates", "json:{\"model\": \"local/storyboard\", \"input\": {\"prompt\": \"p\"}, \"audio_duration_seconds\": -3}", 422, "validation_failed" },
            { "events with bad last event id", "GET", "/v1/events?last_event_id=yesterday", null, 400, "invalid_last_event_id" },
            { "events with unknown parameter", "GET", "/v1/events?colour=red", null, 400, "invalid_query" },
            { "unknown route", "GET", "/v1/teleports", null, 404, "not_found" },
            { "wrong method", "PUT", "/v1/models", "json:{}", 405, "method_not_allowed" },
            { "tenant creating keys", "POST", "/v1/keys", "json:{\"owner\": \"x\"}", 403, "forbidden" },
            { "unknown webhook provider", "POST", "/webhooks/acme", "json:{}", 404, "unknown_provider" },
            { "unsigned fal webhook", "POST", "/webhooks/fal", "json:{\"request_id\": \"r\", \"status\": \"OK\"}", 401, "webhook_unverified" },
            { "idempotency key too long", "POST", "/v1/images", "idem:", 400, "invalid_idempotency_key" },
        };
        return data;
    }

    public async Task InitializeAsync()
    {
        _tenant = await fixture.NewTenantAsync();
        _png = await ApiTestData.UploadPngAsync(_tenant.Client);
    }

    public Task DisposeAsync()
    {
        _tenant.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public void The_table_has_at_least_fifty_cases() => Assert.True(Cases().Count >= 50, $"only {Cases().Count} cases");

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_request_is_answered_with_a_problem(string name, string method, string path, string? body, int status, string? code)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = Content(body.Replace(Png, _png, StringComparison.Ordinal));
        }

        if (body == "idem:")
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", new string('k', 300));
        }

        using var response = await _tenant.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"{name}: expected {status}, got {(int)response.StatusCode}: {text}");
        using var again = new HttpResponseMessage(response.StatusCode) { Content = new StringContent(text, Encoding.UTF8, response.Content.Headers.ContentType?.MediaType ?? "text/plain") };
        await ProblemAssert.IsProblemAsync(again, (HttpStatusCode)status, code);
    }

    private static HttpContent Content(string body)
    {
        if (body.StartsWith("json:", StringComparison.Ordinal))
        {
            return ApiTestData.Json(body["json:".Length..]);
        }

        if (body.StartsWith("text:", StringComparison.Ordinal))
        {
            return new StringContent(body["text:".Length..], Encoding.UTF8, "text/plain");
        }

        if (body == "big:")
        {
            return ApiTestData.Json("{\"model\": \"local/storyboard\", \"input\": {\"prompt\": \"" + new string('a', 2 * 1024 * 1024) + "\"}}");
        }

        if (body == "idem:")
        {
            return ApiTestData.Json("{\"model\": \"local/storyboard\", \"input\": {\"prompt\": \"p\"}}");
        }

        var raw = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        raw.Headers.ContentType = null;
        return raw;
    }
}
