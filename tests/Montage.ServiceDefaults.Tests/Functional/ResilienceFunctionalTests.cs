using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Montage.ServiceDefaults.Resilience;
using Montage.ServiceDefaults.Tests.Infrastructure;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Montage.ServiceDefaults.Tests.Functional;

/// <summary>The resilience handler against real Kestrel upstreams that fail on script.</summary>
public sealed class ResilienceFunctionalTests
{
    private static HttpClient Client(Action<HttpStandardResilienceOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddHttpClient("upstream").AddStandardResilienceHandler(options =>
        {
            // Short backoff keeps the suite quick; the rules under test do not depend on it.
            options.Retry.Delay = TimeSpan.FromMilliseconds(20);
            configure?.Invoke(options);
        });
        return services.BuildServiceProvider().GetRequiredService<IHttpClientFactory>().CreateClient("upstream");
    }

    [Fact]
    public async Task Get_is_retried_after_503_and_succeeds()
    {
        await using var upstream = await ScriptedUpstream.StartAsync(ScriptedUpstream.Status(503), ScriptedUpstream.Status(200));
        using var client = Client();

        using var response = await client.GetAsync(new Uri(upstream.Address, "/resource"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, upstream.RequestCount);
    }

    [Fact]
    public async Task Retries_stop_after_the_configured_attempts_and_return_the_last_response()
    {
        await using var upstream = await ScriptedUpstream.StartAsync(ScriptedUpstream.Status(502));
        using var client = Client(options => options.Retry.MaxRetryAttempts = 2);

        using var response = await client.GetAsync(new Uri(upstream.Address, "/resource"));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal(3, upstream.RequestCount);
    }

    [Fact]
    public async Task Retry_after_in_seconds_is_waited_for()
    {
        await using var upstream = await ScriptedUpstream.StartAsync(
            ScriptedUpstream.Status(429, response => response.Headers.RetryAfter = "1"),
            ScriptedUpstream.Status(200));
        using var client = Client();

        using var response = await client.GetAsync(new Uri(upstream.Address, "/resource"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var requests = upstream.Requests;
        Assert.Equal(2, requests.Count);
        Assert.True(requests[1].At - requests[0].At >= TimeSpan.FromMilliseconds(950), $"retried after {requests[1].At - requests[0].At}");
    }

    [Fact]
    public async Task Retry_after_as_a_date_is_waited_for()
    {
        await using var upstream = await ScriptedUpstream.StartAsync(
            ScriptedUpstream.Status(503, response => response.Headers.RetryAfter = DateTimeOffset.UtcNow.AddSeconds(3).ToString("R")),
            ScriptedUpstream.Status(200));
        using var client = Client();

        using var response = await client.GetAsync(new Uri(upstream.Address, "/resource"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var requests = upstream.Requests;
        Assert.Equal(2, requests.Count);

        // HTTP dates have whole seconds: three seconds ahead is at least two after truncation.
        Assert.True(requests[1].At - requests[0].At >= TimeSpan.FromMilliseconds(1500), $"retried after {requests[1].At - requests[0].At}");
    }

    [Fact]
    public async Task Retry_after_beyond_the_limit_goes_back_to_the_caller()
    {
        await using var upstream = await ScriptedUpstream.StartAsync(
            ScriptedUpstream.Status(429, response => response.Headers.RetryAfter = "3600"),
            ScriptedUpstream.Status(200));
        using var client = Client();

        using var response = await client.GetAsync(new Uri(upstream.Address, "/resource"));

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("3600", response.Headers.RetryAfter?.ToString());
        Assert.Equal(1, upstream.RequestCount);
    }

    [Fact]
    public async Task Post_is_not_retried_by_default()
    {
        await using var upstream = await ScriptedUpstream.StartAsync(ScriptedUpstream.Status(503), ScriptedUpstream.Status(200));
        using var client = Client();

        using var response = await client.PostAsync(new Uri(upstream.Address, "/submit"), new StringContent("{\"prompt\":\"a\"}"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, upstream.RequestCount);
    }

    [Fact]
    public async Task Post_is_retried_with_its_body_when_all_methods_may_be_retried()
    {
        await using var upstream = await ScriptedUpstream.StartAsync(ScriptedUpstream.Status(503), ScriptedUpstream.Status(200));
        using var client = Client(options => options.Retry.RetryAllMethods = true);

        using var response = await client.PostAsync(new Uri(upstream.Address, "/submit"), new StringContent("{\"prompt\":\"a\"}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["{\"prompt\":\"a\"}", "{\"prompt\":\"a\"}"], upstream.Requests.Select(request => request.Body));
    }

    [Fact]
    public async Task Client_errors_are_not_retried()
    {
        await using var upstream = await ScriptedUpstream.StartAsync(ScriptedUpstream.Status(422), ScriptedUpstream.Status(200));
        using var client = Client();

        using var response = await client.GetAsync(new Uri(upstream.Address, "/resource"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal(1, upstream.RequestCount);
    }

    [Fact]
    public async Task Dropped_connection_is_retried_for_get()
    {
        await using var upstream = await ScriptedUpstream.StartAsync(ScriptedUpstream.Abort(), ScriptedUpstream.Status(200));
        using var client = Client();

        using var response = await client.GetAsync(new Uri(upstream.Address, "/resource"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, upstream.RequestCount);
    }

    [Fact]
    public async Task Attempt_that_times_out_is_retried()
    {
        await using var upstream = await ScriptedUpstream.StartAsync(ScriptedUpstream.Hang(), ScriptedUpstream.Status(200));
        using var client = Client(options => options.AttemptTimeout.Timeout = TimeSpan.FromMilliseconds(500));

        using var response = await client.GetAsync(new Uri(upstream.Address, "/resource"));

        // The hanging first answer was given up on; on a loaded machine an attempt may also time
        // out before reaching the server, so allow up to the retry budget.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.InRange(upstream.RequestCount, 2, 4);
    }

    [Fact]
    public async Task Total_timeout_bounds_all_attempts()
    {
        await using var upstream = await ScriptedUpstream.StartAsync(ScriptedUpstream.Hang());
        using var client = Client(options =>
        {
            options.AttemptTimeout.Timeout = TimeSpan.FromMilliseconds(400);
            options.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(1);
            options.Retry.MaxRetryAttempts = 100;
        });

        await Assert.ThrowsAsync<TimeoutRejectedException>(() => client.GetAsync(new Uri(upstream.Address, "/resource")));

        // Without the total timeout all 101 attempts would run; a loaded machine only makes fewer.
        Assert.InRange(upstream.RequestCount, 0, 4);
    }

    [Fact]
    public async Task Circuit_opens_after_repeated_failures_and_stops_calling_the_upstream()
    {
        await using var upstream = await ScriptedUpstream.StartAsync(ScriptedUpstream.Status(500));
        using var client = Client(options =>
        {
            options.CircuitBreaker.MinimumThroughput = 2;
            options.CircuitBreaker.FailureRatio = 0.5;
            options.CircuitBreaker.BreakDuration = TimeSpan.FromMinutes(1);
        });

        // POSTs are not retried, so each call is exactly one attempt the breaker sees.
        for (var i = 0; i < 2; i++)
        {
            using var response = await client.PostAsync(new Uri(upstream.Address, "/submit"), new StringContent("x"));
            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        }

        await Assert.ThrowsAsync<BrokenCircuitException>(() => client.PostAsync(new Uri(upstream.Address, "/submit"), new StringContent("x")));
        Assert.Equal(2, upstream.RequestCount);
    }

    [Fact]
    public async Task Service_defaults_give_every_client_resilience_and_service_discovery()
    {
        await using var upstream = await ScriptedUpstream.StartAsync(ScriptedUpstream.Status(503), ScriptedUpstream.Status(200));
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["services:flaky:http:0"] = upstream.Address.ToString(),
        });
        builder.AddServiceDefaults();
        builder.Services.ConfigureAll<HttpStandardResilienceOptions>(options => options.Retry.Delay = TimeSpan.FromMilliseconds(20));
        builder.Services.AddHttpClient("named");
        using var host = builder.Build();
        var clients = host.Services.GetRequiredService<IHttpClientFactory>();

        using var viaDefault = await clients.CreateClient().GetAsync("http://flaky/a");
        using var viaNamed = await clients.CreateClient("named").GetAsync("http://flaky/b");

        Assert.Equal(HttpStatusCode.OK, viaDefault.StatusCode);
        Assert.Equal(HttpStatusCode.OK, viaNamed.StatusCode);
        Assert.Equal(3, upstream.RequestCount);

        var unknown = await Assert.ThrowsAsync<InvalidOperationException>(() => clients.CreateClient().GetAsync("http://missing/x"));
        Assert.Contains("services__missing__http__0", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Grpc_requests_pass_through_untouched()
    {
        await using var upstream = await ScriptedUpstream.StartAsync(ScriptedUpstream.Status(503), ScriptedUpstream.Status(200));
        using var client = Client(options => options.Retry.RetryAllMethods = true);
        using var content = new ByteArrayContent([0, 0, 0, 0, 0]);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/grpc");

        using var response = await client.PostAsync(new Uri(upstream.Address, "/montage.jobs.v1.JobTracker/Get"), content);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, upstream.RequestCount);
    }

    [Fact]
    public async Task A_client_can_opt_out_of_the_default_handler()
    {
        await using var upstream = await ScriptedUpstream.StartAsync(ScriptedUpstream.Status(503), ScriptedUpstream.Status(200));
        var builder = Host.CreateApplicationBuilder();
        builder.AddServiceDefaults();
        builder.Services.AddHttpClient("raw").RemoveAllResilienceHandlers();
        using var host = builder.Build();

        using var response = await host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("raw").GetAsync(new Uri(upstream.Address, "/x"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, upstream.RequestCount);
    }
}
