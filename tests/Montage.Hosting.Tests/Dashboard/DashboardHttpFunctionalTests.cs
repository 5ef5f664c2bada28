using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Montage.Hosting.Dashboard;
using Montage.Hosting.Dashboard.Otlp.Proto.Collector.Logs.V1;
using Montage.Hosting.Dashboard.Otlp.Proto.Collector.Trace.V1;
using Montage.Hosting.Dashboard.Otlp.Proto.Common.V1;
using Montage.Hosting.Dashboard.Otlp.Proto.Logs.V1;
using Montage.Hosting.Dashboard.Otlp.Proto.Resource.V1;
using Montage.Hosting.Dashboard.Otlp.Proto.Trace.V1;
using RpcStatus = Montage.Hosting.Dashboard.Otlp.Proto.Rpc.Status;

namespace Montage.Hosting.Tests.Dashboard;

/// <summary>The dashboard's HTTP surface over real sockets: the login gate, the OTLP receiver's contract, the APIs.</summary>
[Collection(DashboardCollection.Name)]
public sealed class DashboardHttpFunctionalTests(DashboardFixture fixture)
{
    private static HttpClient Client(bool followRedirects = false) =>
        new(new HttpClientHandler { AllowAutoRedirect = followRedirects, UseCookies = true, CookieContainer = new CookieContainer() }) { Timeout = TimeSpan.FromSeconds(60) };

    [Theory]
    [InlineData("/api/resources")]
    [InlineData("/api/traces")]
    [InlineData("/api/logs")]
    [InlineData("/api/metrics")]
    [InlineData("/api/resources/stream")]
    public async Task Apis_refuse_requests_without_the_login(string path)
    {
        using var client = Client();

        using var response = await client.GetAsync(new Uri(fixture.Host.Url, path));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain(fixture.Host.LoginToken, body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pages_redirect_to_login_and_a_wrong_token_is_refused()
    {
        using var client = Client();

        using var page = await client.GetAsync(new Uri(fixture.Host.Url, "/metrics"));
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/login?returnUrl=%2Fmetrics", page.Headers.Location?.OriginalString);

        using var wrong = await client.GetAsync(new Uri(fixture.Host.Url, "/login?t=wrong"));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        using var stillRefused = await client.GetAsync(new Uri(fixture.Host.Url, "/api/resources"));
        Assert.Equal(HttpStatusCode.Unauthorized, stillRefused.StatusCode);
    }

    [Fact]
    public async Task Login_link_sets_a_cookie_that_opens_the_apis_with_secrets_masked()
    {
        using var client = Client();

        using var login = await client.GetAsync(fixture.Host.BrowserUrl);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal("/", login.Headers.Location?.OriginalString);
        var cookie = Assert.Single(login.Headers.GetValues("Set-Cookie"));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(fixture.Host.LoginToken, cookie, StringComparison.Ordinal);

        var json = await client.GetStringAsync(new Uri(fixture.Host.Url, "/api/resources"));
        using var document = JsonDocument.Parse(json);
        var names = document.RootElement.EnumerateArray().Select(r => r.GetProperty("name").GetString()).ToList();
        Assert.Equal(fixture.Source.GetResources().Select(r => r.Name), names);
        Assert.DoesNotContain(SampleResources.PostgresPassword, json, StringComparison.Ordinal);
        Assert.DoesNotContain(SampleResources.FalKey, json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_return_url_cannot_leave_the_dashboard()
    {
        using var client = Client();

        using var login = await client.GetAsync(new Uri(fixture.Host.Url, $"/login?t={fixture.Host.LoginToken}&returnUrl=//evil.example/"));

        Assert.Equal("/", login.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task Commands_answer_precise_statuses()
    {
        using var client = Client();
        await client.GetAsync(fixture.Host.BrowserUrl);

        using var noHeader = await client.PostAsync(new Uri(fixture.Host.Url, "/api/resources/redis/commands/restart"), null);
        Assert.Equal(HttpStatusCode.Forbidden, noHeader.StatusCode);

        client.DefaultRequestHeaders.Add("x-dashboard-request", "1");
        using var unknownResource = await client.PostAsync(new Uri(fixture.Host.Url, "/api/resources/nope/commands/stop"), null);
        Assert.Equal(HttpStatusCode.NotFound, unknownResource.StatusCode);
        using var unknownCommand = await client.PostAsync(new Uri(fixture.Host.Url, "/api/resources/redis/commands/explode"), null);
        Assert.Equal(HttpStatusCode.BadRequest, unknownCommand.StatusCode);
        using var accepted = await client.PostAsync(new Uri(fixture.Host.Url, "/api/resources/redis/commands/restart"), null);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Contains(("redis", ResourceCommand.Restart), fixture.Source.Commands);

        // The test double does not run health checks: report redis healthy again for the other tests.
        fixture.Source.Update("redis", r => r with { State = ResourceState.Healthy });
    }

    [Fact]
    public async Task Otlp_receiver_requires_the_api_key_but_no_login()
    {
        using var client = Client();
        var request = TraceRequest("otlp-key-service", out _);

        using var withoutKey = await PostProtobuf(client, "v1/traces", request.ToByteArray(), apiKey: null);
        Assert.Equal(HttpStatusCode.Unauthorized, withoutKey.StatusCode);
        var status = RpcStatus.Parser.ParseFrom(await withoutKey.Content.ReadAsByteArrayAsync());
        Assert.Equal(16, status.Code);

        using var withKey = await PostProtobuf(client, "v1/traces", request.ToByteArray(), DashboardFixture.OtlpApiKey);
        Assert.Equal(HttpStatusCode.OK, withKey.StatusCode);
        Assert.Equal("application/x-protobuf", withKey.Content.Headers.ContentType?.MediaType);
        var answer = ExportTraceServiceResponse.Parser.ParseFrom(await withKey.Content.ReadAsByteArrayAsync());
        Assert.Null(answer.PartialSuccess);
    }

    [Fact]
    public async Task Otlp_receiver_accepts_gzip_and_json_and_rejects_garbage()
    {
        using var client = Client();
        var gzipRequest = TraceRequest("otlp-gzip-service", out var gzipTraceId);
        using var compressed = new MemoryStream();
        await using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzipRequest.WriteTo(gzip);
        }

        using var gzipResponse = await PostProtobuf(client, "v1/traces", compressed.ToArray(), DashboardFixture.OtlpApiKey, gzip: true);
        Assert.Equal(HttpStatusCode.OK, gzipResponse.StatusCode);
        Assert.NotNull(fixture.Host.Telemetry.Traces.GetTrace(gzipTraceId));

        const string json = """
            {"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"otlp-json-service"}}]},
              "scopeLogs":[{"scope":{"name":"json.scope"},"logRecords":[{"timeUnixNano":"1700000000000000000","severityNumber":17,
              "body":{"stringValue":"render failed"},"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174",
              "attributes":[{"key":"shot","value":{"intValue":"7"}}]}]}]}]}
            """;
        using var jsonContent = new StringContent(json, Encoding.UTF8, "application/json");
        jsonContent.Headers.Add("x-otlp-api-key", DashboardFixture.OtlpApiKey);
        using var jsonResponse = await client.PostAsync(new Uri(fixture.Host.OtlpEndpoint, "v1/logs"), jsonContent);
        Assert.Equal(HttpStatusCode.OK, jsonResponse.StatusCode);
        var entry = Assert.Single(fixture.Host.Telemetry.Logs.Query(new() { Service = "otlp-json-service" }));
        Assert.Equal("Error", entry.Severity);
        Assert.Equal("5b8efff798038103d269b633813fc60c", entry.TraceId);
        Assert.Equal("eee19b7ec3c1b174", entry.SpanId);
        Assert.Contains(entry.Attributes, a => a.Key == "shot" && a.Value == "7");

        using var garbage = await PostProtobuf(client, "v1/logs", [0xff, 0xff, 0xff, 0x01], DashboardFixture.OtlpApiKey);
        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);

        using var text = new StringContent("hello", Encoding.UTF8, "text/plain");
        text.Headers.Add("x-otlp-api-key", DashboardFixture.OtlpApiKey);
        using var wrongType = await client.PostAsync(new Uri(fixture.Host.OtlpEndpoint, "v1/metrics"), text);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, wrongType.StatusCode);
    }

    [Fact]
    public async Task Otlp_logs_posted_as_protobuf_are_served_by_the_logs_api()
    {
        using var client = Client();
        var request = new ExportLogsServiceRequest
        {
            ResourceLogs =
            {
                new ResourceLogs
                {
                    Resource = new Resource { Attributes = { Text("service.name", "otlp-proto-logs") } },
                    ScopeLogs =
                    {
                        new ScopeLogs
                        {
                            Scope = new InstrumentationScope { Name = "Montage.Jobs.Leases" },
                            LogRecords =
                            {
                                new LogRecord
                                {
                                    TimeUnixNano = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000,
                                    SeverityNumber = SeverityNumber.Warn,
                                    Body = new AnyValue { StringValue = "Lease {LeaseId} expired" },
                                    Attributes = { Text("LeaseId", "lease-9") },
                                },
                            },
                        },
                    },
                },
            },
        };
        using var posted = await PostProtobuf(client, "v1/logs", request.ToByteArray(), DashboardFixture.OtlpApiKey);
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);

        await client.GetAsync(fixture.Host.BrowserUrl);
        var json = await client.GetStringAsync(new Uri(fixture.Host.Url, "/api/logs?service=otlp-proto-logs&minSeverity=13"));
        using var document = JsonDocument.Parse(json);
        var log = Assert.Single(document.RootElement.EnumerateArray());
        Assert.Equal("Lease lease-9 expired", log.GetProperty("message").GetString());
        Assert.Equal("Warning", log.GetProperty("severity").GetString());
        Assert.Equal("Montage.Jobs.Leases", log.GetProperty("scopeName").GetString());
    }

    private async Task<HttpResponseMessage> PostProtobuf(HttpClient client, string path, byte[] body, string? apiKey, bool gzip = false)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        if (gzip)
        {
            content.Headers.ContentEncoding.Add("gzip");
        }

        if (apiKey is not null)
        {
            content.Headers.Add("x-otlp-api-key", apiKey);
        }

        return await client.PostAsync(new Uri(fixture.Host.OtlpEndpoint, path), content);
    }

    private static ExportTraceServiceRequest TraceRequest(string service, out string traceIdHex)
    {
        var traceId = Guid.NewGuid().ToByteArray();
        traceIdHex = Convert.ToHexStringLower(traceId);
        var start = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        return new ExportTraceServiceRequest
        {
            ResourceSpans =
            {
                new ResourceSpans
                {
                    Resource = new Resource { Attributes = { Text("service.name", service) } },
                    ScopeSpans =
                    {
                        new ScopeSpans
                        {
                            Spans =
                            {
                                new Span
                                {
                                    TraceId = ByteString.CopyFrom(traceId),
                                    SpanId = ByteString.CopyFrom(1, 2, 3, 4, 5, 6, 7, 8),
                                    Name = "GET /health",
                                    Kind = Span.Types.SpanKind.Server,
                                    StartTimeUnixNano = start,
                                    EndTimeUnixNano = start + 2_000_000,
                                },
                            },
                        },
                    },
                },
            },
        };
    }

    private static KeyValue Text(string key, string value) => new() { Key = key, Value = new AnyValue { StringValue = value } };
}
