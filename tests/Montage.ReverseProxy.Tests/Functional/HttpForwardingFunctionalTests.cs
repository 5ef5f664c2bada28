using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Montage.ReverseProxy.Tests.Infrastructure;

namespace Montage.ReverseProxy.Tests.Functional;

/// <summary>Plain HTTP/1.1 requests through the proxy: headers, body streaming, status, and an unreachable upstream.</summary>
[Collection(ProxyCollection.Name)]
public sealed class HttpForwardingFunctionalTests(ProxyFixture proxy)
{
    [Fact]
    public async Task End_to_end_headers_pass_and_hop_by_hop_headers_stop_at_the_proxy()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/rest/echo?page=2&q=a%20b") { Content = new StringContent("twelve bytes") };
        request.Headers.Add("X-Request-Tag", "kept");
        request.Headers.Add("X-Hop", "dropped");
        request.Headers.Connection.Add("X-Hop");
        request.Headers.Add("Keep-Alive", "timeout=5");
        request.Headers.Add("Proxy-Authorization", "Basic c2VjcmV0");

        using var response = await proxy.Http1.SendAsync(request);
        var echo = await response.Content.ReadFromJsonAsync<RestEcho>(new JsonSerializerOptions(JsonSerializerDefaults.Web));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("rest-echo", Assert.Single(response.Headers.GetValues("x-upstream")));
        Assert.NotNull(echo);
        Assert.Equal("/rest/echo?page=2&q=a%20b", echo.PathAndQuery);
        Assert.Equal(12, echo.BodyBytes);
        Assert.Equal("kept", echo.Headers["x-request-tag"]);
        Assert.DoesNotContain("x-hop", echo.Headers.Keys);
        Assert.DoesNotContain("keep-alive", echo.Headers.Keys);
        Assert.DoesNotContain("proxy-authorization", echo.Headers.Keys);
        Assert.False(echo.Headers.TryGetValue("connection", out var connection) && connection.Contains("X-Hop", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task A_chunked_body_larger_than_the_default_body_limit_streams_through()
    {
        const long size = 40L * 1024 * 1024;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/rest/echo") { Content = new PatternContent(size) };

        using var response = await proxy.Http1.SendAsync(request);
        var echo = await response.Content.ReadFromJsonAsync<RestEcho>(new JsonSerializerOptions(JsonSerializerDefaults.Web));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(size, echo!.BodyBytes);
    }

    [Fact]
    public async Task Unreachable_upstream_is_502_with_problem_details()
    {
        using var response = await proxy.Http1.PostAsync("/dead/anything", new StringContent("{}"));
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("upstream_unavailable", problem.RootElement.GetProperty("code").GetString());
        Assert.Equal(502, problem.RootElement.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task A_path_no_route_matches_is_not_forwarded()
    {
        using var response = await proxy.Http1.PostAsync("/elsewhere", new StringContent("{}"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    /// <summary>A body of unknown length (sent chunked), produced while it is sent.</summary>
    private sealed class PatternContent(long size) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var chunk = new byte[256 * 1024];
            for (long sent = 0; sent < size; sent += chunk.Length)
            {
                await stream.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, size - sent)));
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }
}
