using System.Net;
using System.Text.Json;
using Montage.Hosting.ApplicationModel;
using Montage.Hosting.Testing;
using Montage.Hosting.Tests.Support;

namespace Montage.Hosting.Tests;

/// <summary>The engine feeding the real dashboard: resource rows per replica, commands, the OTLP settings of processes.</summary>
public sealed class DashboardIntegrationFunctionalTests
{
    [Fact]
    public async Task The_dashboard_lists_replicas_and_its_commands_reach_the_processes()
    {
        await using var app = await DistributedApplicationTestingBuilder.CreateAsync(builder =>
        {
            builder.Configuration["Montage:Dashboard:Url"] = "http://127.0.0.1:0";
            builder.Configuration["Montage:Dashboard:OtlpUrl"] = "http://127.0.0.1:0";
            Server(builder, "web").WithReplicas(2);
            Server(builder, "solo");
        }, options => options.DisableDashboard = false);
        await app.WaitForAllHealthyAsync(TimeSpan.FromMinutes(2));
        Assert.NotNull(app.DashboardLoginUrl);

        using var handler = new HttpClientHandler { CookieContainer = new CookieContainer() };
        using var dashboard = new HttpClient(handler) { BaseAddress = new Uri(app.DashboardLoginUrl!.GetLeftPart(UriPartial.Authority)) };
        (await dashboard.GetAsync(app.DashboardLoginUrl)).EnsureSuccessStatusCode();

        using var resources = JsonDocument.Parse(await dashboard.GetStringAsync("/api/resources"));
        var rows = resources.RootElement.EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!);
        Assert.Equal(new[] { "solo", "web-0", "web-1" }, rows.Keys.Order(StringComparer.Ordinal).ToArray());
        Assert.All(rows.Values, r => Assert.Equal("Healthy", r.GetProperty("state").GetString()));
        Assert.Equal("web", rows["web-1"].GetProperty("parent").GetString());

        var before = app.GetProcessIds("solo").Single();
        using var restart = new HttpRequestMessage(HttpMethod.Post, "/api/resources/solo/commands/restart");
        restart.Headers.Add("x-dashboard-request", "1");
        (await dashboard.SendAsync(restart)).EnsureSuccessStatusCode();
        await app.WaitForAsync("solo", s => s.State == KnownResourceState.Healthy && s.Instances[0].ProcessId != before);
        Assert.False(ProcessTable.IsAlive(before));

        // Every process is told where the dashboard's OTLP receiver is.
        using var web = app.CreateHttpClient("web", replica: 1);
        var environment = JsonSerializer.Deserialize<Dictionary<string, string>>(await web.GetStringAsync("/env"))!;
        Assert.Equal(app.OtlpEndpoint!.ToString().TrimEnd('/'), environment["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        Assert.Equal("http/protobuf", environment["OTEL_EXPORTER_OTLP_PROTOCOL"]);
    }

    private static IResourceBuilder<ExecutableResource> Server(IDistributedApplicationBuilder builder, string name) =>
        builder.AddExecutable(name, TestPaths.Python, TestPaths.TestApps, "envserver.py")
            .WithHttpEndpoint(env: "PORT")
            .WithHttpHealthCheck("/health");
}
